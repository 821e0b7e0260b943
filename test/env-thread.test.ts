/**
 * `serve --env-thread`: a single env runs in a worker thread, so the main thread only serves. A
 * serverboy reset of Pokémon Yellow (the copy serverboy carries) is one synchronous call of
 * 150–400 ms that no slice can cut; queued back to back on a main-thread env, each /api/health
 * waits for the reset under way. Asserted on ordering: how many resets had answered when the
 * third health check did.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { LocalEnv } from '../src/envs/local-env.js';
import { WorkerEnv } from '../src/envs/worker-env.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

const YELLOW = 'node_modules/serverboy/roms/pokeyellow.gbc';
const RESETS = 6;
let serving: Serving | undefined;

afterEach(async () => {
  await serving?.stop();
  serving = undefined;
});

/** Queues RESETS resets, then checks health three times in a row; returns resets answered by then. */
async function resetsBeforeHealth(envThread: boolean): Promise<number> {
  serving = await serve(testServeOptions({ rom: YELLOW, envThread, control: { mode: 'open' } }));
  expect(serving.envs[0]).toBeInstanceOf(envThread ? WorkerEnv : LocalEnv);
  const agent = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
  await agent.opened();
  await agent.request({ type: 'reset', id: 1 }, 20_000); // takes the env; the JIT warm
  for (let i = 0; i < RESETS; i++) agent.send({ type: 'reset', id: 10 + i });
  for (let i = 0; i < 3; i++) expect((await fetch(`${serving.server.url}api/health`)).status).toBe(200);
  const answered = agent.of('obs').filter((m) => (m['id'] as number) >= 10).length;
  await agent.waitFor((m) => m['id'] === 10 + RESETS - 1, 30_000);
  agent.ws.close();
  return answered;
}

describe.skipIf(!existsSync(YELLOW))('serve --env-thread (skipped without serverboy’s Pokémon Yellow)', () => {
  it('a single env in a worker: health answers while a queue of serverboy resets runs', async () => {
    expect(await resetsBeforeHealth(true)).toBeLessThan(2);
  });

  it('the same env on the main thread makes each health check wait for a reset (what the flag is for)', async () => {
    expect(await resetsBeforeHealth(false)).toBeGreaterThanOrEqual(2);
  });
});
