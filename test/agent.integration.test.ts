/**
 * The remote agent protocol against a real server: lockstep, observations, ownership, and the
 * Python example agent run as a real process (Debian's python3-websockets, -msgpack and -numpy).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';
import type { LocalEnv } from '../src/envs/local-env.js';

const TOKEN = 'agent-token-123';
const PYTHON = process.env['GBSTREAM_PYTHON'] ?? '/usr/bin/python3';
let serving: Serving;
let wsUrl: string;

beforeAll(async () => {
  serving = await serve(testServeOptions({ policy: { kind: 'random' }, seed: 5, control: { mode: 'token', token: TOKEN } }));
  wsUrl = serving.server.url.replace(/^http/, 'ws') + 'ws';
});

afterAll(async () => {
  await serving?.stop();
});

async function agent(): Promise<TestClient> {
  const c = new TestClient(wsUrl);
  await c.opened();
  expect((await c.request({ type: 'auth', id: 1, token: TOKEN })).type).toBe('ack');
  return c;
}

describe('remote agent protocol', () => {
  it('refuses agents without the token', async () => {
    const c = new TestClient(wsUrl);
    await c.opened();
    expect(await c.request({ type: 'reset', id: 2 })).toMatchObject({ type: 'error', code: 'GBS_ERR_CONTROL_DENIED' });
    c.ws.close();
  });

  it('steps in lockstep: each step runs exactly K frames and the buttons act', async () => {
    const c = await agent();
    const reset = await c.request({ type: 'reset', id: 10, env: 0 });
    expect(reset).toMatchObject({ type: 'obs', env: 0 });
    // Let the demo boot, then take its position.
    let obs = await c.request({ type: 'step', id: 11, buttons: [], frames: 30 });
    expect(obs['frame']).toBe((reset['frame'] as number) + 30);
    const x0 = (obs['state'] as Record<string, number>)['x']!;
    obs = await c.request({ type: 'step', id: 12, buttons: ['right'], frames: 20 });
    expect((obs['state'] as Record<string, number>)['x']).toBeGreaterThan(x0);
    const y0 = (obs['state'] as Record<string, number>)['y']!;
    obs = await c.request({ type: 'step', id: 13, buttons: ['down'], frames: 20, observe: 'gray' });
    expect((obs['state'] as Record<string, number>)['y']).toBeGreaterThan(y0);
    expect((obs['screen'] as Uint8Array).byteLength).toBe(160 * 144);
    const rgba = await c.request({ type: 'step', id: 14, buttons: [], frames: 1, observe: 'rgba' });
    expect((rgba['screen'] as Uint8Array).byteLength).toBe(160 * 144 * 4);

    // Lockstep holds: with no step, the env does not move on its own.
    const before = await c.request({ type: 'step', id: 15, buttons: [], frames: 1 });
    await new Promise((r) => setTimeout(r, 500));
    const after = await c.request({ type: 'step', id: 16, buttons: [], frames: 1 });
    expect(after['frame']).toBe((before['frame'] as number) + 1);

    // Another agent cannot take the same env.
    const other = await agent();
    expect(await other.request({ type: 'step', id: 20, buttons: [], frames: 1 })).toMatchObject({ type: 'error', code: 'GBS_ERR_ENV_BUSY' });
    expect(await other.request({ type: 'step', id: 21, env: 9, buttons: [] })).toMatchObject({ type: 'error', code: 'GBS_ERR_NO_SUCH_ENV' });

    // Release: the env runs freely again and the other agent may take it.
    expect(await c.request({ type: 'release', id: 17 })).toMatchObject({ type: 'ack', of: 'release' });
    expect((await other.request({ type: 'reset', id: 22 })).type).toBe('obs');
    other.ws.close();
    c.ws.close();
  });

  it('saves and loads states by slot, so an agent can replay from a checkpoint', async () => {
    const c = await agent();
    await c.request({ type: 'reset', id: 40 });
    await c.request({ type: 'step', id: 41, buttons: [], frames: 30 });
    expect(await c.request({ type: 'command', id: 42, name: 'save', args: { slot: 'start' } })).toMatchObject({ type: 'ack' });
    const a = await c.request({ type: 'step', id: 43, buttons: ['right'], frames: 25 });
    await c.request({ type: 'step', id: 44, buttons: ['left'], frames: 60 });
    expect(await c.request({ type: 'command', id: 45, name: 'load', args: { slot: 'start' } })).toMatchObject({ type: 'ack' });
    const b = await c.request({ type: 'step', id: 46, buttons: ['right'], frames: 25 });
    expect(b['state']).toEqual(a['state']);
    expect(b['frame']).toBe(a['frame']);
    expect(await c.request({ type: 'command', id: 47, name: 'load', args: { slot: 'nope' } })).toMatchObject({ type: 'error', code: 'GBS_ERR_BAD_FIELD' });
    await c.request({ type: 'release', id: 48 });
    c.ws.close();
  });

  it('batches, snapshots and resets from a saved state on the in-thread env too', async () => {
    const c = await agent();
    const first = await c.request({ type: 'reset', id: 80, envs: [0], observe: 'gray' });
    expect(first).toMatchObject({ type: 'obsBatch', envs: [0], screenFormat: 'gray', width: 160, height: 144 });
    const stepped = await c.request({ type: 'step', id: 81, envs: [0], actions: [['right']], frames: 30, observe: 'gray' });
    expect((stepped['frames'] as number[])[0]).toBe((first['frames'] as number[])[0]! + 30);
    const snap = await c.request({ type: 'snapshot', id: 82, env: 0 });
    expect(snap).toMatchObject({ type: 'machineState', env: 0, frame: (stepped['frames'] as number[])[0] });
    const data = snap['data'] as Uint8Array;
    expect(data.byteLength).toBeGreaterThan(4096); // more than a viewer may send: agents may
    await c.request({ type: 'step', id: 83, envs: [0], actions: [['left']], frames: 40 });
    const back = await c.request({ type: 'reset', id: 84, envs: [0], state: data, observe: 'gray' });
    expect(back['frames']).toEqual(stepped['frames']);
    expect(back['states']).toEqual(stepped['states']);
    expect(Buffer.from(back['screen'] as Uint8Array).equals(Buffer.from(stepped['screen'] as Uint8Array))).toBe(true);
    expect(await c.request({ type: 'reset', id: 85, env: 0, state: new Uint8Array([1, 2, 3]) })).toMatchObject({ type: 'error', code: 'GBS_ERR_BAD_FIELD' });
    await c.request({ type: 'release', id: 86 });
    c.ws.close();
  });

  it('keeps an agent’s requests in order even while the env is being taken', async () => {
    const c = await agent();
    const from = c.messages.length;
    c.send({ type: 'reset', id: 60 });
    c.send({ type: 'step', id: 61, buttons: [], frames: 30 });
    c.send({ type: 'release', id: 62 });
    const answers = await Promise.all([60, 61, 62].map((id) => c.waitFor((m) => m['id'] === id && m.type !== 'ping', 15_000, from)));
    expect(answers.map((m) => m.type)).toEqual(['obs', 'obs', 'ack']);
    expect(answers[1]!['frame']).toBe((answers[0]!['frame'] as number) + 30);
    const order = c.messages.slice(from).filter((m) => [60, 61, 62].includes(m['id'] as number)).map((m) => m['id']);
    expect(order).toEqual([60, 61, 62]);
    c.ws.close();
  });

  it('stopping the server stops emulators for good, even when an agent’s disconnect releases its env', async () => {
    const own = await serve(testServeOptions({ control: { mode: 'open' } }));
    const c = new TestClient(own.server.url.replace(/^http/, 'ws') + 'ws');
    await c.opened();
    await c.request({ type: 'reset', id: 70 });
    await own.stop();
    const env = own.envs[0] as LocalEnv;
    const frame = env.observe().frame;
    await new Promise((r) => setTimeout(r, 300));
    expect(env.paused).toBe(true);
    expect(env.observe().frame).toBe(frame);
  });

  it('viewers keep watching an env an agent drives', async () => {
    const c = await agent();
    const viewer = new TestClient(wsUrl);
    await viewer.opened();
    const reset = await c.request({ type: 'reset', id: 30 });
    // The server runs in this process: frames captured from now on (same clock) are the agent's.
    const resetAt = Date.now();
    const driven = (m: Record<string, unknown>) => m['type'] === 'frame' && m['env'] === 0 && (m['ts'] as number) >= resetAt && (m['frame'] as number) > (reset['frame'] as number);
    let last: Record<string, unknown> = reset;
    // Step until the viewer has a frame of the driven env (the sampler publishes at wall-clock fps).
    for (let i = 0; i < 300 && !viewer.messages.some(driven); i++) last = await c.request({ type: 'step', id: 31 + i, buttons: ['left'], frames: 6 });
    const seen = await viewer.waitFor(driven, 15_000);
    expect(seen['frame'] as number).toBeLessThanOrEqual(last['frame'] as number);
    c.ws.close();
    viewer.ws.close();
  });

  it('the Python example agent (a random policy over a VectorEnv, its token from GBSTREAM_CONTROL_TOKEN) runs 50 steps, explores and exits 0', async () => {
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      // The token as the server takes it too: from GBSTREAM_CONTROL_TOKEN (no --token).
      const child = spawn(PYTHON, ['examples/python/agent.py', '--url', wsUrl, '--env', '0', '--steps', '50', '--frames', '4'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GBSTREAM_CONTROL_TOKEN: TOKEN } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (c) => resolve({ code: c, out }));
    });
    expect(code, out).toBe(0);
    expect(out).toContain('control granted');
    expect(out).toMatch(/step 50\/50: \d+ env steps\/s, \d+ frames\/s; \d+ distinct positions; env 0 frame=\d+ at room\/x\/y \(\d+, \d+, \d+\)/);
    expect(out).toMatch(/done: 50 steps, 200 frames per env, 1 env\(s\) in [\d.]+ s \(\d+ env steps\/s\); [1-9]\d* distinct positions; envs released/);
  });
});
