/**
 * An agent drives a gambatte env exactly as it drives serverboy: lockstep steps of K frames,
 * buttons that act, observations with pixels, and save/load slots that replay from a checkpoint
 * (save states as bytes through the libretro frontend). Two envs on the worker pool.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { hasGambatte } from './helpers/gambatte.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

const TOKEN = 'libretro-agent';

describe.skipIf(!hasGambatte)('an agent on gambatte envs', () => {
  let serving: Serving;
  let c: TestClient;
  beforeAll(async () => {
    serving = await serve(testServeOptions({ envs: 2, core: 'gambatte', control: { mode: 'token', token: TOKEN } }));
    c = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
    await c.opened();
    expect((await c.request({ type: 'auth', id: 1, token: TOKEN })).type).toBe('ack');
  }, 30_000);
  afterAll(async () => {
    c?.ws.close();
    await serving?.stop();
  });

  it('steps K frames in lockstep with buttons that act, and replays from a saved slot', async () => {
    const reset = await c.request({ type: 'reset', id: 10, env: 1 });
    let obs = await c.request({ type: 'step', id: 11, env: 1, buttons: [], frames: 30 });
    expect(obs['frame']).toBe((reset['frame'] as number) + 30);
    const x0 = (obs['state'] as Record<string, number>)['x']!;
    expect(await c.request({ type: 'command', id: 12, env: 1, name: 'save', args: { slot: 'cp' } })).toMatchObject({ type: 'ack' });
    const a = await c.request({ type: 'step', id: 13, env: 1, buttons: ['right'], frames: 24, observe: 'rgba' });
    expect((a['state'] as Record<string, number>)['x']).toBe(x0 + 24);
    expect((a['screen'] as Uint8Array).byteLength).toBe(160 * 144 * 4);
    await c.request({ type: 'step', id: 14, env: 1, buttons: ['left', 'down'], frames: 50 });
    expect(await c.request({ type: 'command', id: 15, env: 1, name: 'load', args: { slot: 'cp' } })).toMatchObject({ type: 'ack' });
    const b = await c.request({ type: 'step', id: 16, env: 1, buttons: ['right'], frames: 24, observe: 'rgba' });
    expect(b['frame']).toBe(a['frame']);
    expect(b['state']).toEqual(a['state']);
    expect(Buffer.from(b['screen'] as Uint8Array).equals(Buffer.from(a['screen'] as Uint8Array))).toBe(true);
    await c.request({ type: 'release', id: 17, env: 1 });
  }, 30_000);
});
