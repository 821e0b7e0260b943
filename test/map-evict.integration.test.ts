/**
 * Issue 22 item 12 against a real server: StreamWrapper agents on `/broadcast` (node `ws`
 * clients sending the wrapper's JSON) past the cap of MAX_MAP_AGENTS; the agent forgotten reaches
 * a watching viewer as `removed`, and a viewer that joins after gets the map without it, in one
 * record within the socket policy's welcome budget.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { MAX_MAP_AGENTS } from '../src/map/positions.js';
import type { PositionsMessage } from '../src/protocol/messages.js';
import { BROADCAST_RATE } from '../src/server/broadcast-endpoint.js';
import { SOCKET_POLICY } from '../src/server/socket-policy.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

const message = (user: string) => JSON.stringify({ metadata: { user, env_id: 0 }, coords: [[1, 1, 0]] });

/** Sends one message per user, at most a burst per socket (the endpoint's rate), on parallel sockets. */
async function sendAgents(url: string, users: string[]): Promise<void> {
  const perSocket = BROADCAST_RATE.burst;
  const sockets: Promise<void>[] = [];
  for (let i = 0; i < users.length; i += perSocket) {
    const batch = users.slice(i, i + perSocket);
    sockets.push(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.on('error', reject);
        ws.on('open', () => {
          for (const u of batch) ws.send(message(u));
          ws.close(1000);
        });
        ws.on('close', () => resolve());
      }),
    );
  }
  await Promise.all(sockets);
}

describe('the Map view at the cap of agents (real server, /broadcast)', () => {
  let serving: Serving;
  beforeAll(async () => {
    serving = await serve(testServeOptions());
  });
  afterAll(async () => {
    await serving?.stop();
  });

  it('sends the forgotten agent to viewers as removed; a viewer joining later gets the map without it', async () => {
    const wsUrl = serving.server.url.replace(/^http/, 'ws');
    const viewer = new TestClient(`${wsUrl}ws`);
    await viewer.opened();
    await sendAgents(`${wsUrl}broadcast`, ['first']);
    await viewer.waitFor((m) => m.type === 'positions' && (m['agents'] as Array<{ id: string }>).some((a) => a.id === 'ws:first:0'), 15_000);
    const others = Array.from({ length: MAX_MAP_AGENTS }, (_, k) => `u${k}`);
    await sendAgents(`${wsUrl}broadcast`, others);
    const gone = await viewer.waitFor((m) => m.type === 'positions' && Array.isArray(m['removed']), 15_000);
    expect(gone['removed']).toEqual(['ws:first:0']);
    // Every other agent arrived (the last ones may come in the records after the removal).
    await viewer.waitFor((m) => m.type === 'positions' && (m['agents'] as Array<{ id: string }>).some((a) => a.id === `ws:u${MAX_MAP_AGENTS - 1}:0`), 15_000);

    const late = new TestClient(`${wsUrl}ws`);
    const sizes: number[] = [];
    late.ws.on('message', (data: Buffer) => sizes.push(data.byteLength));
    await late.opened();
    const full = (await late.waitFor((m) => m.type === 'positions' && m['full'] === true, 15_000)) as unknown as PositionsMessage;
    expect(full.agents.some((a) => a.id === 'ws:first:0')).toBe(false);
    expect(full.agents.length).toBeGreaterThan(0);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(SOCKET_POLICY.viewer.welcomeBytes!);
    viewer.ws.close();
    late.ws.close();
  }, 60_000);
});
