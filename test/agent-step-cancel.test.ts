/**
 * Issue 22 item 3: a disconnect stops the agent's *running* step, not only its queued ones. Before,
 * a 600-frame serverboy step (seconds of emulation) ran to its end after the client was gone, and
 * the next agent waited for it. Asserted on frame counts and ordering, not on wall time: the env's
 * frame counter, read by the next agent, advanced far less than the step (and the 3,000 frames
 * queued behind it) asked for.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { createLocalEnv } from '../src/envs/local-env.js';
import { silentLogger } from '../src/log.js';
import { DEMO_ROM_PATH } from '../src/paths.js';
import { idlePolicy } from '../src/policy/policy.js';
import { GbsError } from '../src/protocol/errors.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient, type Received } from './helpers/ws-client.js';

const FRAMES = 600; // the most one step may ask for; seconds of Pokémon Yellow on serverboy
/** The Yellow serverboy carries: its frames are slow enough that a late disconnect still shows. */
const YELLOW = 'node_modules/serverboy/roms/pokeyellow.gbc';
const QUEUED = 4; // more steps queued behind it: 3,000 frames in all

describe('LocalEnv.step with a signal (injected clock)', () => {
  it('stops at the next slice once the signal aborts, and stays at the frame it reached', async () => {
    // Every clock read is 30 ms later, so every frame ends a slice and the step yields before each.
    let t = 0;
    const env = await createLocalEnv({
      id: 0,
      rom: new Uint8Array(await readFile(DEMO_ROM_PATH)),
      sound: false,
      map: undefined,
      policy: idlePolicy,
      encoder: { name: 'none', format: 'jpeg', encode: async () => Buffer.alloc(0) },
      fps: 10,
      speed: 'max',
      log: silentLogger(),
      output: { frame: () => undefined, event: () => undefined },
      clock: () => (t += 30),
    });
    await env.setLockstep(true);
    const before = env.observe().frame;
    const controller = new AbortController();
    const step = env.step([], FRAMES, 'none', controller.signal);
    await new Promise((r) => setImmediate(r));
    controller.abort('client 7 disconnected');
    const err = await step.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(GbsError);
    expect((err as GbsError).code).toBe('GBS_ERR_ENV_BUSY');
    expect((err as GbsError).message).toMatch(/cancelled after \d+ of 600 frames \(client 7 disconnected\)/);
    const ran = env.observe().frame - before;
    expect(ran).toBeGreaterThan(0);
    expect(ran).toBeLessThan(5);
    // An aborted signal refuses before any frame runs; without a signal the step runs to the end.
    await expect(env.step([], 10, 'none', controller.signal)).rejects.toMatchObject({ code: 'GBS_ERR_ENV_BUSY' });
    expect(env.observe().frame - before).toBe(ran);
    expect((await env.step([], 10, 'none')).frame).toBe(before + ran + 10);
    await env.stop();
  });
});

/** Env 0 of a real server over ws: a disconnect in the middle of a long step. */
function cutsTheRunningStep(name: string, envs: number, envThread = false) {
  describe(name, () => {
    let serving: Serving;
    let wsUrl: string;

    beforeAll(async () => {
      serving = await serve(testServeOptions({ rom: YELLOW, envs, envThread, control: { mode: 'open' } }));
      wsUrl = serving.server.url.replace(/^http/, 'ws') + 'ws';
    });

    afterAll(async () => {
      await serving?.stop();
    });

    it('a disconnect stops the running step within a slice; the next agent gets the env at once', async () => {
      const agent = new TestClient(wsUrl);
      await agent.opened();
      const reset = await agent.request({ type: 'reset', id: 1, env: 0 }, 20_000);
      const start = reset['frame'] as number;
      for (let i = 0; i <= QUEUED; i++) agent.send({ type: 'step', id: 100 + i, env: 0, buttons: [], frames: FRAMES });
      // The first step runs: viewers (this client too) get its sampled frames.
      const running = (m: Received) => m.type === 'frame' && m['env'] === 0 && (m['frame'] as number) > start + 10;
      const seen = (await agent.waitFor(running, 20_000))['frame'] as number;
      agent.ws.terminate();

      // The next agent's requests queue behind the cancelled step and the env's release.
      const next = new TestClient(wsUrl);
      await next.opened();
      const snapshot = await next.request({ type: 'snapshot', id: 1, env: 0 }, 20_000);
      expect(agent.of('obs').filter((m) => (m['id'] as number) >= 100)).toEqual([]);
      // Before: the whole step ran (start + 600 or more). Now it stopped a slice or so after the
      // disconnect; the env runs free again at speed 1 after the release, which adds a few frames.
      const reached = snapshot['frame'] as number;
      expect(reached).toBeGreaterThanOrEqual(seen);
      expect(reached - start).toBeLessThan(FRAMES / 2);
      expect(await next.request({ type: 'reset', id: 2, env: 0 }, 20_000)).toMatchObject({ type: 'obs' });
      const obs = await next.request({ type: 'step', id: 3, env: 0, buttons: [], frames: 5 }, 20_000);
      expect(obs).toMatchObject({ type: 'obs', env: 0 });
      next.ws.close();
    });
  });
}

cutsTheRunningStep('a main-thread env (serve with one env)', 1);
cutsTheRunningStep('a worker-thread env (serve --envs 2)', 2);
cutsTheRunningStep('a single env in a worker thread (serve --env-thread)', 1, true);
