/**
 * Envs published to a hub appear on the Map view when the hub's memory map declares which state
 * fields are the position (`gbstream hub --map FILE`) — from state alone, as publishers send it
 * while nobody watches them.
 */
import { describe, expect, it } from 'vitest';
import { startHub } from '../src/app/hub.js';
import { silentLogger } from '../src/log.js';
import { PUBLISHER_SUBPROTOCOL } from '../src/protocol/constants.js';
import { TestClient } from './helpers/ws-client.js';

const TOKEN = 'map-publisher-token';
type Agent = { env: number | null; envId: number | null; label: string; map: number; x: number; y: number; gx: number | null; gy: number | null };

describe('published envs on the map', () => {
  it('places a state-only publisher by the position fields of the hub --map, and follows its moves', async () => {
    const hub = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, control: { mode: 'token', token: TOKEN }, map: 'test/fixtures/demo-position.json', log: silentLogger() });
    const pub = new TestClient(hub.server.url.replace(/^http/, 'ws') + 'ws', [PUBLISHER_SUBPROTOCOL]);
    try {
      await pub.opened();
      expect((await pub.request({ type: 'auth', id: 1, token: TOKEN })).type).toBe('ack');
      await pub.request({ type: 'announce', id: 2, envs: 2, labels: ['run/0', 'run/1'] });
      const [env0, env1] = pub.of('announced')[0]!['envs'] as number[];
      const agents = async () => ((await (await fetch(`${hub.server.url}api/map`)).json()) as { agents: Agent[] }).agents;

      // The demo layout: room r sits at (8 + (r % 16) * 160, 4 + floor(r / 16) * 144).
      pub.send({ type: 'pub_state', env: 0, state: { x: 10, y: 20, room: 0, score: 5 } });
      pub.send({ type: 'pub_state', env: 1, state: { x: 3, y: 4, room: 17 } });
      await expect.poll(async () => (await agents()).length, { timeout: 5000 }).toBe(2);
      const byEnv = new Map((await agents()).map((a) => [a.env, a]));
      expect(byEnv.get(env0!)).toMatchObject({ map: 0, x: 10, y: 20, gx: 18, gy: 24 });
      expect(byEnv.get(env1!)).toMatchObject({ map: 17, x: 3, y: 4, gx: 171, gy: 152 });

      pub.send({ type: 'pub_state', env: 0, state: { x: 11, y: 20, room: 1 } });
      await expect.poll(async () => (await agents()).find((a) => a.env === env0)?.gx, { timeout: 5000 }).toBe(179);
    } finally {
      pub.ws.terminate();
      await hub.stop();
    }
  });

  it('without --map, published state places nobody (no position is declared)', async () => {
    const hub = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, control: { mode: 'token', token: TOKEN }, log: silentLogger() });
    const pub = new TestClient(hub.server.url.replace(/^http/, 'ws') + 'ws', [PUBLISHER_SUBPROTOCOL]);
    try {
      await pub.opened();
      await pub.request({ type: 'auth', id: 1, token: TOKEN });
      await pub.request({ type: 'announce', id: 2, envs: 1 });
      pub.send({ type: 'pub_state', env: 0, state: { x: 10, y: 20, room: 0 } });
      await new Promise((r) => setTimeout(r, 600)); // two map flushes
      expect(((await (await fetch(`${hub.server.url}api/map`)).json()) as { agents: Agent[] }).agents).toEqual([]);
    } finally {
      pub.ws.terminate();
      await hub.stop();
    }
  });
});
