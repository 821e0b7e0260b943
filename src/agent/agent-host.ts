/**
 * Remote agents drive envs in lockstep: `reset` or `step` takes a free env for the connection,
 * the env stops free running and advances only on the agent's steps (viewers keep watching the
 * sampled frames), and `release` or disconnecting gives it back.
 */
import type { Env, Observation } from '../envs/env.js';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { ObsMessage, ReleaseMessage, ResetMessage, StepMessage } from '../protocol/messages.js';

export class AgentHost {
  readonly #envs: readonly Env[];
  readonly #owner = new Map<number, number>(); // env → client id

  constructor(envs: readonly Env[]) {
    this.#envs = envs;
  }

  /** Which client drives `env`, if any. */
  ownerOf(env: number): number | undefined {
    return this.#owner.get(env);
  }

  async reset(client: number, message: ResetMessage): Promise<ObsMessage> {
    const env = await this.#take(client, message.env ?? 0);
    return obs(await env.reset(message.observe ?? 'none'), message.id);
  }

  async step(client: number, message: StepMessage): Promise<ObsMessage> {
    const env = await this.#take(client, message.env ?? 0);
    return obs(await env.step(message.buttons, message.frames ?? 1, message.observe ?? 'none'), message.id);
  }

  release(client: number, message: ReleaseMessage): void {
    const env = message.env ?? 0;
    if (this.#owner.get(env) !== client) throw new GbsError(ErrorCode.BadField, `env ${env} is not driven by this connection`);
    this.#give(env);
  }

  /** Gives back every env the client drove (on disconnect). */
  releaseAll(client: number): void {
    for (const [env, owner] of [...this.#owner]) if (owner === client) this.#give(env);
  }

  async #take(client: number, id: number): Promise<Env> {
    const env = this.#envs[id];
    if (!env) throw new GbsError(ErrorCode.NoSuchEnv, `no env ${id}; this server runs envs 0–${this.#envs.length - 1}`);
    const owner = this.#owner.get(id);
    if (owner !== undefined && owner !== client) throw new GbsError(ErrorCode.EnvBusy, `env ${id} is driven by another agent`);
    if (owner === undefined) {
      this.#owner.set(id, client);
      await env.setLockstep(true);
    }
    return env;
  }

  #give(id: number): void {
    this.#owner.delete(id);
    this.#envs[id]?.setLockstep(false).catch(() => undefined);
  }
}

function obs(o: Observation, id: number | undefined): ObsMessage {
  return { type: 'obs', id, ...o };
}
