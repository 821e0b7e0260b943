/**
 * The batched lockstep step on the server side: AgentHost with small fake envs (to force
 * orderings and failures a real emulator can't be made to show on cue), packObservations, and
 * the message schema.
 */
import { describe, expect, it } from 'vitest';
import { AgentHost } from '../src/agent/agent-host.js';
import { packObservations } from '../src/agent/batch.js';
import type { Env, EnvStats, Observation } from '../src/envs/env.js';
import { GbsError } from '../src/protocol/errors.js';
import type { Button, ObsBatchMessage, Observe } from '../src/protocol/messages.js';
import { parseClientMessage } from '../src/server/client-message.js';

/** An env whose frame counter advances by `frames` per step and whose screen bytes are its id. */
class FakeEnv implements Env {
  readonly id: number;
  frame = 0;
  lockstep = false;
  log: string[] = [];
  /** When set, the next step waits for this promise (to hold a step in flight). */
  gate: Promise<void> | undefined;
  /** When set, taking the env (setLockstep(true)) waits for this promise, as a worker env's round trip does. */
  takeGate: Promise<void> | undefined;
  failNext: Error | undefined;

  constructor(id: number) {
    this.id = id;
  }
  start(): void {}
  async stop(): Promise<void> {}
  async input(): Promise<void> {}
  async command(): Promise<void> {}
  async setLockstep(on: boolean): Promise<void> {
    if (on && this.takeGate) await this.takeGate;
    this.lockstep = on;
    this.log.push(on ? 'take' : 'give');
  }
  /** A fake state is one byte: the frame number to resume at. */
  async reset(observe: Observe, state?: Uint8Array): Promise<Observation> {
    this.frame = state?.[0] ?? 0;
    this.log.push(state ? `reset from ${this.frame}` : 'reset');
    return this.#obs(observe, []);
  }
  async saveState(): Promise<{ frame: number; data: Uint8Array }> {
    this.log.push('save');
    return { frame: this.frame, data: Uint8Array.of(this.frame) };
  }
  async step(buttons: readonly Button[], frames: number, observe: Observe, signal?: AbortSignal): Promise<Observation> {
    this.log.push(`step-start ${buttons.join('+')}`);
    // As LocalEnv and WorkerEnv do: an aborted signal refuses; a running step listens for it.
    if (signal?.aborted) throw new GbsError('GBS_ERR_ENV_BUSY', `env ${this.id}: step cancelled`);
    const listen = () => undefined;
    signal?.addEventListener('abort', listen, { once: true });
    if (this.gate) await this.gate;
    signal?.removeEventListener('abort', listen);
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    this.frame += frames;
    this.log.push('step-end');
    return this.#obs(observe, buttons);
  }
  stats(): EnvStats {
    return { env: this.id, fps: 0, emuFps: 0, speed: 0, published: 0, paused: false, lockstep: this.lockstep };
  }
  #obs(observe: Observe, buttons: readonly Button[]): Observation {
    const o: Observation = { env: this.id, frame: this.frame, state: { held: buttons.length } };
    if (observe === 'gray') Object.assign(o, { screen: new Uint8Array(160 * 144).fill(this.id), screenFormat: 'gray', width: 160, height: 144 });
    return o;
  }
}

function host(n: number): { host: AgentHost; envs: FakeEnv[] } {
  const envs = Array.from({ length: n }, (_, i) => new FakeEnv(i));
  return { host: new AgentHost(envs), envs };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as GbsError).code;
  }
  return 'resolved';
}

describe('batched step (AgentHost)', () => {
  it('steps every env of the batch with its own action and answers once, in request order', async () => {
    const { host: h, envs } = host(3);
    await h.reset(1, { type: 'reset', envs: [2, 0, 1] });
    const answer = await h.step(1, { type: 'step', id: 7, envs: [2, 0, 1], actions: [['a'], [], ['up', 'b']], frames: 24, observe: 'gray' });
    expect(answer).toMatchObject({ type: 'obsBatch', id: 7, envs: [2, 0, 1], frames: [24, 24, 24], states: [{ held: 1 }, { held: 0 }, { held: 2 }] });
    const screen = (answer as { screen: Uint8Array }).screen;
    expect(screen.byteLength).toBe(3 * 160 * 144);
    expect([screen[0], screen[160 * 144], screen[2 * 160 * 144]]).toEqual([2, 0, 1]);
    expect(envs.map((e) => e.lockstep)).toEqual([true, true, true]);
    expect(envs[1]!.log).toEqual(['take', 'reset', 'step-start up+b', 'step-end']);
  });

  it('runs the envs of a batch at the same time, not one after another', async () => {
    const { host: h, envs } = host(2);
    let open!: () => void;
    envs[0]!.gate = new Promise((r) => (open = r));
    const answer = h.step(1, { type: 'step', envs: [0, 1], actions: [[], []] });
    // Env 1 finishes while env 0 is still held: they were not serialised.
    await expect.poll(() => envs[1]!.log.at(-1)).toBe('step-end');
    expect(envs[0]!.log.at(-1)).toBe('step-start ');
    open();
    expect(await answer).toMatchObject({ envs: [0, 1], frames: [1, 1] });
  });

  it('refuses a whole batch, touching no env, when one env is unknown or driven by another agent', async () => {
    const { host: h, envs } = host(3);
    await h.reset(2, { type: 'reset', env: 1 });
    expect(await codeOf(h.step(1, { type: 'step', envs: [0, 1], actions: [[], []] }))).toBe('GBS_ERR_ENV_BUSY');
    expect(await codeOf(h.step(1, { type: 'step', envs: [0, 9], actions: [[], []] }))).toBe('GBS_ERR_NO_SUCH_ENV');
    expect(await codeOf(h.reset(1, { type: 'reset', envs: [2, 1] }))).toBe('GBS_ERR_ENV_BUSY');
    expect(envs[0]!.log).toEqual([]);
    expect(envs[2]!.log).toEqual([]);
    expect(h.ownerOf(0)).toBeUndefined();
  });

  it('answers a batch with the error of a failed env only after the others are done', async () => {
    const { host: h, envs } = host(2);
    envs[0]!.failNext = new GbsError('GBS_ERR_ENV_CRASHED', 'env 0 is not running');
    let open!: () => void;
    envs[1]!.gate = new Promise((r) => (open = r));
    let settled = false;
    const answer = h.step(1, { type: 'step', envs: [0, 1], actions: [[], []] }).finally(() => (settled = true));
    await expect.poll(() => envs[0]!.log.length).toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBe(false);
    open();
    expect(await codeOf(answer)).toBe('GBS_ERR_ENV_CRASHED');
  });

  it('keeps single-env and batched requests on one env in arrival order', async () => {
    const { host: h, envs } = host(2);
    const a = h.step(1, { type: 'step', env: 0, buttons: ['left'], frames: 2 });
    const b = h.step(1, { type: 'step', envs: [0, 1], actions: [['right'], []], frames: 3 });
    const c = h.step(1, { type: 'step', env: 0, buttons: ['down'], frames: 5 });
    expect((await a).type).toBe('obs');
    expect(await b).toMatchObject({ frames: [5, 3] });
    expect(await c).toMatchObject({ frame: 10 });
    expect(envs[0]!.log.filter((l) => l.startsWith('step-start'))).toEqual(['step-start left', 'step-start right', 'step-start down']);
  });

  it('gives back on disconnect every env the client drove, even one whose take was still queued', async () => {
    const { host: h, envs } = host(2);
    let open!: () => void;
    envs[1]!.gate = new Promise((r) => (open = r));
    await h.reset(1, { type: 'reset', env: 1 });
    const held = h.step(1, { type: 'step', env: 1, buttons: [], frames: 1 }); // in flight on env 1
    await expect.poll(() => envs[1]!.log.at(-1)).toBe('step-start '); // its turn came: it runs
    const queued = h.step(1, { type: 'step', envs: [0, 1], actions: [[], []] }); // env 1's part waits behind it
    h.releaseAll(1); // the client disconnects now
    // Another agent asking meanwhile waits for the envs instead of being refused.
    const next = h.reset(2, { type: 'reset', envs: [0, 1] });
    open();
    await held;
    await queued.catch(() => undefined);
    expect(await next).toMatchObject({ type: 'obsBatch', envs: [0, 1] });
    expect([h.ownerOf(0), h.ownerOf(1)]).toEqual([2, 2]);
    expect(envs[1]!.log.slice(-4)).toEqual(['step-end', 'give', 'take', 'reset']);
    h.releaseAll(2);
    await expect.poll(() => [h.ownerOf(0), h.ownerOf(1)]).toEqual([undefined, undefined]);
    expect(envs.map((e) => e.lockstep)).toEqual([false, false]);
  });
});

describe('a client that leaves (AgentHost)', () => {
  it('has its operations whose turn had not come cancelled, not run', async () => {
    const { host: h, envs } = host(1);
    await h.reset(1, { type: 'reset', env: 0 });
    const steps = [1, 2, 3].map(() => h.step(1, { type: 'step', env: 0, buttons: [], frames: 1 }));
    h.releaseAll(1);
    const codes = await Promise.all(steps.map((p) => codeOf(p)));
    expect(codes).toEqual(['GBS_ERR_ENV_BUSY', 'GBS_ERR_ENV_BUSY', 'GBS_ERR_ENV_BUSY']);
    expect(envs[0]!.log.filter((l) => l.startsWith('step'))).toEqual([]);
    await expect.poll(() => h.ownerOf(0)).toBeUndefined();
  });
});

describe('saved states (AgentHost)', () => {
  it('resets a batch from one state for all, or one state (or power-on) per env', async () => {
    const { host: h } = host(3);
    expect(await h.reset(1, { type: 'reset', envs: [0, 1, 2], state: Uint8Array.of(40) })).toMatchObject({ frames: [40, 40, 40] });
    expect(await h.reset(1, { type: 'reset', envs: [2, 0, 1], states: [Uint8Array.of(7), null, Uint8Array.of(9)] })).toMatchObject({ envs: [2, 0, 1], frames: [7, 0, 9] });
    expect(await h.reset(1, { type: 'reset', env: 1, state: Uint8Array.of(3) })).toMatchObject({ type: 'obs', env: 1, frame: 3 });
  });

  it('snapshots an env without taking it, and refuses one another agent drives', async () => {
    const { host: h, envs } = host(2);
    await h.step(1, { type: 'step', env: 0, buttons: [], frames: 12 });
    expect(await h.snapshot(1, { type: 'snapshot', id: 5, env: 0 })).toEqual({ type: 'machineState', id: 5, env: 0, frame: 12, data: Uint8Array.of(12) });
    expect(await h.snapshot(2, { type: 'snapshot', env: 1 })).toMatchObject({ env: 1, frame: 0 });
    expect(h.ownerOf(1)).toBeUndefined();
    expect(await codeOf(h.snapshot(2, { type: 'snapshot', env: 0 }))).toBe('GBS_ERR_ENV_BUSY');
    expect(await codeOf(h.snapshot(2, { type: 'snapshot', env: 5 }))).toBe('GBS_ERR_NO_SUCH_ENV');
    expect(envs[1]!.log).toEqual(['save']);
  });
});

describe('packObservations', () => {
  it('leaves the screen out when no observation carries one', () => {
    const m = packObservations([{ env: 3, frame: 10, state: { x: 1 } }], 4);
    expect(m).toEqual({ type: 'obsBatch', id: 4, envs: [3], frames: [10], states: [{ x: 1 }] });
  });

  it('refuses screens of different sizes with a coded error', () => {
    const gray = (env: number, n: number): Observation => ({ env, frame: 0, state: {}, screen: new Uint8Array(n), screenFormat: 'gray', width: 160, height: 144 });
    expect(() => packObservations([gray(0, 4), gray(1, 5)])).toThrow(expect.objectContaining({ code: 'GBS_ERR_UNSUPPORTED' }));
  });
});

describe('batched step messages', () => {
  const parse = (m: Record<string, unknown>) => parseClientMessage({ type: 'step', ...m });
  const code = (m: Record<string, unknown>) => {
    try {
      parse(m);
      return 'ok';
    } catch (err) {
      return `${(err as GbsError).code}: ${(err as Error).message}`;
    }
  };

  it('accepts a batch and the single form', () => {
    expect(parse({ envs: [0, 1], actions: [['a'], []], frames: 24, observe: 'gray' })).toMatchObject({ envs: [0, 1] });
    expect(parse({ env: 0, buttons: [] })).toMatchObject({ env: 0 });
  });

  it.each([
    [{ envs: [0, 1], actions: [['a']] }, /one action per env: 2 envs, 1 actions/],
    [{ envs: [0, 0], actions: [[], []] }, /only once/],
    [{ envs: [], actions: [] }, /envs/],
    [{ envs: [0], actions: [['jump']] }, /actions\.0\.0/],
    [{ env: 0, envs: [0], actions: [[]] }, /not both/],
    [{ envs: [0], actions: [[]], buttons: [] }, /not buttons/],
    [{ actions: [[]] }, /buttons/],
  ])('refuses %j with GBS_ERR_BAD_FIELD', (m, why) => {
    expect(code(m)).toMatch(/^GBS_ERR_BAD_FIELD: /);
    expect(code(m)).toMatch(why);
  });
});

describe('reset messages with saved states', () => {
  const code = (m: Record<string, unknown>) => {
    try {
      parseClientMessage({ type: 'reset', ...m });
      return 'ok';
    } catch (err) {
      return `${(err as GbsError).code}: ${(err as Error).message}`;
    }
  };
  const bytes = Uint8Array.of(1, 2, 3);

  it('accepts one state, per-env states with nulls, and none', () => {
    expect(code({ env: 0, state: bytes })).toBe('ok');
    expect(code({ envs: [0, 1], state: bytes })).toBe('ok');
    expect(code({ envs: [0, 1], states: [bytes, null] })).toBe('ok');
  });

  it.each([
    [{ envs: [0, 1], states: [bytes] }, /one state \(or null\) per env: 2 envs, 1 states/],
    [{ envs: [0], states: [bytes], state: bytes }, /not both/],
    [{ env: 0, states: [bytes] }, /give envs too/],
    [{ env: 0, state: 'abc' }, /state/],
    [{ env: 0, state: new Uint8Array(0) }, /empty state/],
  ])('refuses %j with GBS_ERR_BAD_FIELD', (m, why) => {
    expect(code(m)).toMatch(/^GBS_ERR_BAD_FIELD: /);
    expect(code(m)).toMatch(why);
  });
});

describe('a step and its disconnect (AgentHost)', () => {
  it('a disconnect while the env is being taken cancels the step waiting behind the take', async () => {
    const { host: h, envs } = host(1);
    let open!: () => void;
    envs[0]!.takeGate = new Promise<void>((resolve) => (open = resolve));
    const step = h.step(1, { type: 'step', id: 1, env: 0, buttons: [], frames: 600 });
    // Let the step's turn begin: it now waits in the take (a worker's setLockstep round trip).
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    expect(envs[0]!.log).toEqual([]);
    h.releaseAll(1);
    open();
    expect(await codeOf(step)).toBe('GBS_ERR_ENV_BUSY');
    expect(envs[0]!.frame).toBe(0);
  });

  it('a batch over more envs than an EventTarget\'s default listener limit (10) warns nothing', async () => {
    const { host: h, envs } = host(16);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    for (const e of envs) e.gate = gate;
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const batch = h.step(1, { type: 'step', id: 1, envs: envs.map((e) => e.id), actions: envs.map(() => []), frames: 1 });
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      open();
      expect((await batch) as ObsBatchMessage).toMatchObject({ frames: envs.map(() => 1) });
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
