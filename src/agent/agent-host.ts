/**
 * Remote agents drive envs in lockstep: `reset` or `step` takes a free env for the connection,
 * the env stops free running and advances only on the agent's steps (viewers keep watching the
 * sampled frames), and `release` or disconnecting gives it back.
 *
 * Every operation on an env runs in arrival order through that env's queue, so a `step` sent
 * right behind a `reset` can't overtake it while the env is being taken, and a `release` can't
 * slip between a take and its step.
 *
 * A batched `reset`/`step` (`envs: [...]`) queues one operation per env; envs in different
 * workers run at the same time, and one `obsBatch` answers when the last is done.
 *
 * Queued operations run one macrotask apart (setImmediate), not as a chain of microtasks: an
 * agent that queues a burst of long steps on an env of the main thread would otherwise hold the
 * event loop until the burst ends (no HTTP, no viewer, no heartbeat). A client that disconnects
 * has its operations still waiting in the queue cancelled, and its running step stopped at the
 * step's next slice (STEP_SLICE_MS of emulation; in a worker too), so the env goes to the next
 * agent within a slice rather than after the rest of a 600-frame step.
 */
import { setMaxListeners } from 'node:events';
import type { Env, Observation } from '../envs/env.js';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { Button, ObsBatchMessage, ObsMessage, Observe, ReleaseMessage, ResetMessage, MachineStateMessage, SnapshotRequestMessage, StepMessage } from '../protocol/messages.js';
import { packObservations } from './batch.js';

/** Satisfies the server's AgentPort (structurally: the agent layer doesn't import the server). */
export class AgentHost {
  readonly #envs: readonly Env[];
  readonly #owner = new Map<number, number>(); // env → client id
  readonly #tail = new Map<number, Promise<unknown>>(); // env → its last queued operation
  readonly #touched = new Map<number, Set<number>>(); // client id → envs it queued operations on
  readonly #leaving = new Set<number>(); // disconnected clients whose envs are being given back
  readonly #cancel = new Map<number, AbortController>(); // client id → aborted when it disconnects

  constructor(envs: readonly Env[]) {
    this.#envs = envs;
  }

  /** Which client drives `env`, if any. */
  ownerOf(env: number): number | undefined {
    return this.#owner.get(env);
  }

  /**
   * Takes the env(s) for `client` and restarts them, from power-on or a saved state; answers
   * `obs` (one env) or `obsBatch`.
   */
  reset(client: number, message: ResetMessage): Promise<ObsMessage | ObsBatchMessage> {
    const observe = message.observe ?? 'none';
    if ('envs' in message) {
      const { state, states } = message;
      return this.#batch(client, message.envs, message.id, (env, i) => env.reset(observe, states?.[i] ?? state));
    }
    return this.#one(client, message.env ?? 0, message.id, (env) => env.reset(observe, message.state));
  }

  /** The machine state of an env that this client drives or nobody drives (it is not taken). */
  snapshot(client: number, message: SnapshotRequestMessage): Promise<MachineStateMessage> {
    const id = message.env ?? 0;
    return this.#serial(client, id, async () => {
      const { frame, data } = await this.#checkFree(client, id).saveState();
      return { type: 'machineState', id: message.id, env: id, frame, data };
    });
  }

  /** Steps the env(s) of `client`; answers `obs` (one env) or `obsBatch`. */
  step(client: number, message: StepMessage): Promise<ObsMessage | ObsBatchMessage> {
    const frames = message.frames ?? 1;
    const observe: Observe = message.observe ?? 'none';
    // Taken now, while the client is surely connected: one taken in the op, after the env's take
    // (a worker round trip), could be a fresh signal that a disconnect in between never aborts.
    const signal = this.#signal(client);
    if ('envs' in message) {
      const { actions } = message;
      return this.#batch(client, message.envs, message.id, (env, i) => env.step(actions[i] as Button[], frames, observe, signal));
    }
    return this.#one(client, message.env ?? 0, message.id, (env) => env.step(message.buttons, frames, observe, signal));
  }

  release(client: number, message: ReleaseMessage): Promise<void> {
    const id = message.env ?? 0;
    return this.#serial(client, id, async () => {
      if (this.#owner.get(id) !== client) throw new GbsError(ErrorCode.BadField, `env ${id} is not driven by this connection`);
      await this.#give(id);
    });
  }

  /**
   * Gives back every env the client drove (on disconnect). It queues behind the client's own
   * operations, so an env whose `reset` was still waiting in the queue is given back too.
   */
  releaseAll(client: number): void {
    const touched = this.#touched.get(client);
    this.#touched.delete(client);
    // A step of this client's that is running now stops at its next slice.
    this.#cancel.get(client)?.abort(`client ${client} disconnected`);
    this.#cancel.delete(client);
    if (!touched) return;
    // Until then, other agents' requests for these envs wait in the queue instead of being refused.
    this.#leaving.add(client);
    const gives = [...touched].map((id) =>
      this.#serial(undefined, id, async () => {
        if (this.#owner.get(id) === client) await this.#give(id);
      }).catch(() => undefined),
    );
    void Promise.all(gives).then(() => this.#leaving.delete(client));
  }

  #one(client: number, id: number, requestId: number | undefined, op: (env: Env) => Promise<Observation>): Promise<ObsMessage> {
    return this.#serial(client, id, async () => ({ type: 'obs', id: requestId, ...(await op(await this.#take(client, id))) }));
  }

  async #batch(client: number, ids: readonly number[], requestId: number | undefined, op: (env: Env, i: number) => Promise<Observation>): Promise<ObsBatchMessage> {
    // Refuse the whole batch before touching any env when one of them can't be had.
    for (const id of ids) this.#checkFree(client, id, true);
    const results = await Promise.allSettled(ids.map((id, i) => this.#serial(client, id, async () => op(await this.#take(client, id), i))));
    // Answer only once every env is done, so the agent's next request finds none still busy.
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return packObservations(
      results.map((r) => (r as PromiseFulfilledResult<Observation>).value),
      requestId,
    );
  }

  /** Runs `op` after every operation queued on env `id` before it, whatever their outcome. */
  #serial<T>(client: number | undefined, id: number, op: () => Promise<T>): Promise<T> {
    // An unknown env gets no queue: a client can't grow the maps with made-up ids.
    try {
      this.#env(id);
    } catch (err) {
      return Promise.reject(err as GbsError);
    }
    if (client !== undefined) {
      const touched = this.#touched.get(client) ?? new Set<number>();
      this.#touched.set(client, touched.add(id));
    }
    const turn = async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      // Its client left while this waited: nobody will read the answer, and the env is wanted.
      if (client !== undefined && !this.#touched.has(client)) throw new GbsError(ErrorCode.EnvBusy, `cancelled: client ${client} disconnected`);
      return op();
    };
    const run = (this.#tail.get(id) ?? Promise.resolve()).then(turn, turn);
    this.#tail.set(id, run.catch(() => undefined));
    return run;
  }

  /**
   * Aborted when `client` disconnects (releaseAll). Every env of a batch listens to it (a worker
   * env until its step's answer), so it may have as many listeners as the server has envs.
   */
  #signal(client: number): AbortSignal {
    let controller = this.#cancel.get(client);
    if (!controller) {
      this.#cancel.set(client, (controller = new AbortController()));
      setMaxListeners(0, controller.signal);
    }
    return controller.signal;
  }

  #env(id: number): Env {
    const env = this.#envs[id];
    if (!env) throw new GbsError(ErrorCode.NoSuchEnv, `no env ${id}; this server runs envs 0–${this.#envs.length - 1}`);
    return env;
  }

  /** @param early true before queueing: an env whose owner left will be free by our turn. */
  #checkFree(client: number, id: number, early = false): Env {
    const env = this.#env(id);
    const owner = this.#owner.get(id);
    if (owner !== undefined && owner !== client && !(early && this.#leaving.has(owner))) {
      throw new GbsError(ErrorCode.EnvBusy, `env ${id} is driven by another agent`);
    }
    return env;
  }

  async #take(client: number, id: number): Promise<Env> {
    const env = this.#checkFree(client, id);
    if (!this.#owner.has(id)) {
      this.#owner.set(id, client);
      await env.setLockstep(true);
    }
    return env;
  }

  async #give(id: number): Promise<void> {
    this.#owner.delete(id);
    await this.#envs[id]?.setLockstep(false).catch(() => undefined);
  }
}
