/**
 * An env taken by an agent listens to that agent only: another client with control rights gets
 * GBS_ERR_ENV_BUSY naming the owner for input and every command, and the agent's lockstep holds.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

const TOKEN = 'owner-token-123';
let serving: Serving;
let wsUrl: string;

beforeAll(async () => {
  serving = await serve(testServeOptions({ control: { mode: 'token', token: TOKEN } }));
  wsUrl = serving.server.url.replace(/^http/, 'ws') + 'ws';
});

afterAll(async () => {
  await serving?.stop();
});

async function controller(): Promise<TestClient> {
  const c = new TestClient(wsUrl);
  await c.opened();
  expect((await c.request({ type: 'auth', id: 1, token: TOKEN })).type).toBe('ack');
  return c;
}

it("refuses other clients' input and commands on an agent's env, naming the owner", async () => {
  const agent = await controller();
  const viewer = await controller();
  const reset = await agent.request({ type: 'reset', id: 2, env: 0 });
  const start = reset['frame'] as number;
  await agent.request({ type: 'step', id: 3, buttons: [], frames: 30 });

  for (const [i, message] of [
    { type: 'command', name: 'reset' },
    { type: 'command', name: 'speed', args: { speed: 2 } },
    { type: 'command', name: 'load', args: { slot: 'x' } },
    { type: 'command', name: 'pause' },
    { type: 'input', buttons: ['a'] },
  ].entries()) {
    const answer = await viewer.request({ ...message, id: 10 + i, env: 0 });
    expect(answer, JSON.stringify(message)).toMatchObject({ type: 'error', code: 'GBS_ERR_ENV_BUSY' });
    expect(String(answer['message'])).toMatch(/driven by an agent \(client \d+\)/);
  }

  // The agent's lockstep was not disturbed: its next step lands exactly where it expects.
  const obs = await agent.request({ type: 'step', id: 4, buttons: [], frames: 30 });
  expect(obs['frame']).toBe(start + 60);
  // The owner's own commands still go through.
  expect(await agent.request({ type: 'command', id: 5, name: 'save', args: { slot: 'mine' } })).toMatchObject({ type: 'ack' });

  // Released, the env takes the other client's commands again.
  expect(await agent.request({ type: 'release', id: 6 })).toMatchObject({ type: 'ack' });
  expect(await viewer.request({ type: 'command', id: 20, env: 0, name: 'reset' })).toMatchObject({ type: 'ack' });
  agent.ws.close();
  viewer.ws.close();
});
