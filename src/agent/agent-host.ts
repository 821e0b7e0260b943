/**
 * Remote agents drive envs in lockstep: `reset` or `step` takes a free env for the connection,
 * the env stops free running and advances only on the agent's steps (viewers keep watching the
 * sampled frames), and `release` or disconnecting gives it back.
 *
 * Every operation on an env runs in arrival order through that env's queue, so a `step` sent
 * right behind a `reset` can't overtake it while the env is being taken, and a `release` can't
 * slip between a take and its step.
 */
import type { Env, Observation } from '../envs/env.js';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { ObsMessage, ReleaseMessage, ResetMessage, StepMessage } from '../protocol/messages.js';

/** Satisfies the server's AgentPort (structurally: the agent layer doesn't import the server). */
export class AgentHost {
  readonly #envs: readonly Env[];
  readonly #owner = new Map<number, number>(); // env → client id
  readonly #tail = new Map<number, Promise<unknown>>(); // env → its last queued operation

  constructor(envs: readonly Env[]) {
    this.#envs = envs;
  }

  /** Which client drives `env`, if any. */
  ownerOf(env: number): number | undefined {
    return this.#owner.get(env);
  }

  reset(client: number, message: ResetMessage): Promise<ObsMessage> {
    const id = message.env ?? 0;
    return this.#serial(id, async () => {
      const env = await this.#take(client, id);
      return obs(await env.reset(message.observe ?? 'none'), message.id);
    });
  }

  step(client: number, message: StepMessage): Promise<ObsMessage> {
    const id = message.env ?? 0;
    return this.#serial(id, async () => {
      const env = await this.#take(client, id);
      return obs(await env.step(message.buttons, message.frames ?? 1, message.observe ?? 'none'), message.id);
    });
  }

  release(client: number, message: ReleaseMessage): Promise<void> {
    const id = message.env ?? 0;
    return this.#serial(id, async () => {
      this.#env(id);
      if (this.#owner.get(id) !== client) throw new GbsError(ErrorCode.BadField, `env ${id} is not driven by this connection`);
      await this.#give(id);
    });
  }

  /** Gives back every env the client drove (on disconnect). */
  releaseAll(client: number): void {
    for (const [id, owner] of [...this.#owner]) {
      if (owner === client) this.#serial(id, () => this.#give(id)).catch(() => undefined);
    }
  }

  /** Runs `op` after every operation queued on env `id` before it, whatever their outcome. */
  #serial<T>(id: number, op: () => Promise<T>): Promise<T> {
    const run = (this.#tail.get(id) ?? Promise.resolve()).then(op, op);
    this.#tail.set(id, run.catch(() => undefined));
    return run;
  }

  #env(id: number): Env {
    const env = this.#envs[id];
    if (!env) throw new GbsError(ErrorCode.NoSuchEnv, `no env ${id}; this server runs envs 0–${this.#envs.length - 1}`);
    return env;
  }

  async #take(client: number, id: number): Promise<Env> {
    const env = this.#env(id);
    const owner = this.#owner.get(id);
    if (owner !== undefined && owner !== client) throw new GbsError(ErrorCode.EnvBusy, `env ${id} is driven by another agent`);
    if (owner === undefined) {
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

function obs(o: Observation, id: number | undefined): ObsMessage {
  return { type: 'obs', id, ...o };
}
