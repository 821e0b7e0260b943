/**
 * Remote agents drive envs in lockstep: `reset` or `step` takes a free env for the connection,
 * the env stops free running and advances only on the agent's steps (viewers keep watching the
 * sampled frames), and `release` or disconnecting gives it back.
 */
import { EmulatorFault } from '../emulator/serverboy.js';
import { rgbToGray, rgbToRgba } from '../encode/pixels.js';
import type { Pipeline } from '../pipeline.js';
import { ErrorCode, SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { ObsMessage, Observe, ReleaseMessage, ResetMessage, StepMessage } from '../protocol/messages.js';

export class AgentHost {
  readonly #pipelines: readonly Pipeline[];
  readonly #owner = new Map<number, number>(); // env → client id

  constructor(pipelines: readonly Pipeline[]) {
    this.#pipelines = pipelines;
  }

  /** Which client drives `env`, if any. */
  ownerOf(env: number): number | undefined {
    return this.#owner.get(env);
  }

  reset(client: number, message: ResetMessage): ObsMessage {
    const env = message.env ?? 0;
    const pipeline = this.#take(client, env);
    pipeline.reset();
    return this.#obs(env, pipeline, pipeline.observe(), message.id, message.observe);
  }

  step(client: number, message: StepMessage): ObsMessage {
    const env = message.env ?? 0;
    const pipeline = this.#take(client, env);
    try {
      const after = pipeline.step(message.buttons, message.frames ?? 1);
      return this.#obs(env, pipeline, after, message.id, message.observe);
    } catch (err) {
      if (err instanceof EmulatorFault) throw new GbsError(ErrorCode.Unsupported, `env ${env} faulted: ${err.message}; send reset`);
      throw err;
    }
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

  #take(client: number, env: number): Pipeline {
    const pipeline = this.#pipelines[env];
    if (!pipeline) throw new GbsError(ErrorCode.NoSuchEnv, `no env ${env}; this server runs envs 0–${this.#pipelines.length - 1}`);
    const owner = this.#owner.get(env);
    if (owner !== undefined && owner !== client) throw new GbsError(ErrorCode.EnvBusy, `env ${env} is driven by another agent`);
    if (owner === undefined) {
      this.#owner.set(env, client);
      pipeline.setLockstep(true);
    }
    return pipeline;
  }

  #give(env: number): void {
    this.#owner.delete(env);
    this.#pipelines[env]?.setLockstep(false);
  }

  #obs(env: number, pipeline: Pipeline, o: { frame: number; state: ObsMessage['state'] }, id: number | undefined, observe: Observe = 'none'): ObsMessage {
    const message: ObsMessage = { type: 'obs', id, env, frame: o.frame, state: o.state };
    if (observe !== 'none') {
      const rgb = pipeline.screenRgb();
      message.screen = observe === 'rgba' ? rgbToRgba(rgb) : rgbToGray(rgb);
      message.screenFormat = observe;
      message.width = SCREEN_WIDTH;
      message.height = SCREEN_HEIGHT;
    }
    return message;
  }
}
