/**
 * An agent's burst of queued steps on a main-thread env (a single-env server, the real demo ROM):
 * the event loop gets turns between and within steps, so /api/health answers during the burst,
 * and a disconnect cancels the steps still waiting in the queue. Asserted on ordering and counts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import type { Env } from '../src/envs/env.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

const BURST = 20;
const FRAMES = 60; // ~0.2 s a step on serverboy: the burst is seconds of emulation
let serving: Serving;
let wsUrl: string;

beforeAll(async () => {
  serving = await serve(testServeOptions({ control: { mode: 'open' } }));
  wsUrl = serving.server.url.replace(/^http/, 'ws') + 'ws';
});

afterAll(async () => {
  await serving?.stop();
});

/** Counts the steps the env starts. */
function countSteps(env: Env): { started: number } {
  const count = { started: 0 };
  const step = env.step.bind(env);
  env.step = (...args) => {
    count.started++;
    return step(...args);
  };
  return count;
}

it('answers /api/health in the middle of a burst of queued steps', async () => {
  const agent = new TestClient(wsUrl);
  await agent.opened();
  await agent.request({ type: 'reset', id: 1 });
  for (let i = 0; i < BURST; i++) agent.send({ type: 'step', id: 100 + i, buttons: [], frames: FRAMES });
  const res = await fetch(`${serving.server.url}api/health`);
  const healthAt = performance.now();
  expect(res.status).toBe(200);
  await agent.waitFor((m) => m['id'] === 100 + BURST - 1, 60_000);
  const before = agent.of('obs').filter((m) => (m['id'] as number) >= 100 && m.receivedAt < healthAt).length;
  // Before the fix the whole burst ran first (20 of 20); now health waits for a slice of one step.
  expect(before).toBeLessThanOrEqual(2);
  await agent.request({ type: 'release', id: 2 });
  agent.ws.close();
});

it("cancels a disconnected agent's queued steps", async () => {
  const env = serving.envs[0]!;
  const count = countSteps(env);
  const agent = new TestClient(wsUrl);
  await agent.opened();
  await agent.request({ type: 'reset', id: 1 });
  for (let i = 0; i < 30; i++) agent.send({ type: 'step', id: 100 + i, buttons: [], frames: FRAMES });
  await agent.waitFor((m) => m['id'] === 100, 15_000);
  agent.ws.terminate();
  // The env is given back once the queue is through; then count what ran.
  while (env.stats().lockstep) await new Promise((r) => setTimeout(r, 20));
  // The step that finished, the one running at the disconnect, at most one that started meanwhile.
  expect(count.started).toBeLessThanOrEqual(3);
  // The next agent gets the env at once.
  const next = new TestClient(wsUrl);
  await next.opened();
  expect(await next.request({ type: 'reset', id: 1 })).toMatchObject({ type: 'obs' });
  next.ws.close();
});
