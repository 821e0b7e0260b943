/**
 * Several envs in worker threads: distinct `env` ids and independent state, subscribe filters,
 * agents driving one env in lockstep while the others run, and the Python agent on env 1.
 * Workers run the compiled dist/ (npm test builds it first).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

const TOKEN = 'envs-token-123';
let serving: Serving;
let wsUrl: string;

beforeAll(async () => {
  serving = await serve(testServeOptions({ policy: { kind: 'random' }, seed: 11, envs: 4, control: { mode: 'token', token: TOKEN } }));
  wsUrl = serving.server.url.replace(/^http/, 'ws') + 'ws';
});

afterAll(async () => {
  await serving?.stop();
});

describe('--envs 4', () => {
  it('streams four envs with distinct ids, each at about the configured fps, with their own state', async () => {
    const c = new TestClient(wsUrl);
    const hello = await c.waitFor((m) => m.type === 'hello');
    expect(hello['envs']).toBe(4);
    await new Promise((r) => setTimeout(r, 3000));
    const frames = c.of('frame');
    const byEnv = new Map<number, typeof frames>();
    for (const f of frames) byEnv.set(f['env'] as number, [...(byEnv.get(f['env'] as number) ?? []), f]);
    expect([...byEnv.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const [env, list] of byEnv) {
      expect(list.length, `env ${env}`).toBeGreaterThanOrEqual(15);
      const seqs = list.map((f) => f['seq'] as number);
      expect(seqs, `env ${env} seq`).toEqual([...seqs].sort((a, b) => a - b));
    }
    const positions = [0, 1, 2, 3].map((e) => JSON.stringify(byEnv.get(e)!.at(-1)!['state']));
    expect(new Set(positions).size).toBeGreaterThan(1);
    const stats = await c.waitFor((m) => m.type === 'stats' && Array.isArray(m['envs']));
    expect((stats['envs'] as unknown[]).length).toBe(4);
    c.ws.close();
  });

  it('subscribe picks envs', async () => {
    const c = new TestClient(wsUrl);
    await c.opened();
    await c.request({ type: 'subscribe', id: 1, envs: [2] });
    const from = c.messages.length;
    await new Promise((r) => setTimeout(r, 1500));
    const envs = new Set(c.messages.slice(from).filter((m) => m.type === 'frame').map((m) => m['env']));
    expect([...envs]).toEqual([2]);
    c.ws.close();
  });

  it('an agent drives env 1 in lockstep while env 0 keeps running', async () => {
    const a = new TestClient(wsUrl);
    try {
      await a.opened();
      await a.request({ type: 'auth', id: 1, token: TOKEN });
      const r = await a.request({ type: 'reset', id: 2, env: 1 });
      expect(r).toMatchObject({ type: 'obs', env: 1 });
      const s1 = await a.request({ type: 'step', id: 3, env: 1, buttons: ['right'], frames: 10 });
      expect(s1['frame']).toBe((r['frame'] as number) + 10);
      // Env 0 runs on by itself while env 1 waits for its agent: wait for env 0 to move on (however
      // busy the machine), then env 1 has still advanced by exactly the frames it was stepped.
      const env0 = () => a.of('frame').filter((f) => f['env'] === 0).map((f) => f['frame'] as number);
      await vi.waitFor(() => expect(env0().at(-1)! - env0()[0]!).toBeGreaterThan(20), { timeout: 20_000, interval: 100 });
      const s2 = await a.request({ type: 'step', id: 4, env: 1, buttons: [], frames: 1 });
      expect(s2['frame']).toBe((s1['frame'] as number) + 1);
      expect(await a.request({ type: 'command', id: 5, env: 9, name: 'pause' })).toMatchObject({ type: 'error', code: 'GBS_ERR_NO_SUCH_ENV' });
    } finally {
      a.ws.close(); // gives env 1 back even when an assertion failed, so the next test is not refused
    }
  });

  it('the Python example agent drives env 1 (the issue’s command)', async () => {
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('/usr/bin/python3', ['examples/python/agent.py', '--url', wsUrl, '--token', TOKEN, '--env', '1', '--steps', '50', '--frames', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (c) => resolve({ code: c, out }));
    });
    expect(code, out).toBe(0);
    expect(out).toContain('driving envs [1] (server runs 4)');
    expect(out).toMatch(/done: 50 steps, 200 frames per env, 1 env\(s\) in .*; envs released/);
  });
});
