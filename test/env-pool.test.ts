/**
 * Many envs on few cores: envs beyond one run on a pool of at most os.availableParallelism()
 * worker threads, each stepping several envs in turn, each env with its own emulator (for
 * libretro, its own copy of the core).
 */
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { threadCount } from '../src/envs/env-thread.js';
import { WorkerEnv } from '../src/envs/worker-env.js';
import { hasGambatte } from './helpers/gambatte.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

describe('threadCount', () => {
  it('is at most one thread per core and never more than envs', () => {
    expect(threadCount(64, 2)).toBe(2);
    expect(threadCount(3, 8)).toBe(3);
    expect(threadCount(1, 8)).toBe(1);
    expect(threadCount(5, 0)).toBe(1);
  });
});

describe.skipIf(!hasGambatte)('--envs 6 --core gambatte on the thread pool', () => {
  let serving: Serving;
  beforeAll(async () => {
    serving = await serve(testServeOptions({ envs: 6, core: 'gambatte', speed: 4, fps: 10, policy: { kind: 'random' } }));
  }, 30_000);
  afterAll(() => serving?.stop());

  it('runs six envs on at most one thread per core, each streaming its own game', async () => {
    const threads = new Set(serving.envs.map((e) => (e as WorkerEnv).thread));
    expect(threads.size).toBe(Math.min(6, availableParallelism()));
    const client = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
    const seen = new Map<number, number>();
    const deadline = Date.now() + 15_000;
    while (seen.size < 6 && Date.now() < deadline) {
      const frame = await client.waitFor((m) => m.type === 'frame' && !seen.has(m['env'] as number), 15_000);
      seen.set(frame['env'] as number, (frame['state'] as Record<string, number>)['x']!);
    }
    expect([...seen.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const stats = await client.waitFor((m) => m.type === 'stats' && ((m['envs'] as Array<{ emuFps: number }>) ?? []).every((e) => e.emuFps > 0), 15_000);
    expect(stats['core']).toBe('gambatte');
    expect((stats['envs'] as unknown[]).length).toBe(6);
    client.ws.close();
  }, 40_000);
});
