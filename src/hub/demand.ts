/**
 * Who wants frames of which env, at what rate: pure functions from the viewers' subscriptions,
 * the recorder and HTTP streams to one fps per env. A publisher sends pixels of an env only when
 * its demand is above 0; otherwise it sends state at the hub's state rate.
 *
 * Rules: a client that never subscribed wants every env at the stream's fps (today's meaning of
 * a plain connection); a subscribed client wants its `envs` at `fps` and its `thumbs` at
 * `thumbFps`; the recorder wants every env at the stream's fps; an MJPEG reader wants its env at
 * the stream's fps. An env's demand is the highest of these, never above the stream's fps.
 */

import { DEFAULT_THUMB_FPS } from '../protocol/constants.js';
/** How often publishers send state of envs nobody watches, by default. */
export const DEFAULT_STATE_FPS = 2;

/** The parts of a viewer's subscription that decide demand (the broadcaster's `Client` has them). */
export interface Subscription {
  /** Envs at full rate; undefined = every env (a client that never subscribed). */
  readonly envs: ReadonlySet<number> | undefined;
  /** Cap per env for `envs`; undefined = the stream's fps. */
  readonly maxFps: number | undefined;
  readonly thumbs?: ReadonlySet<number> | undefined;
  readonly thumbFps?: number | undefined;
}

export interface DemandInputs {
  /** The stream's fps (`--fps`): the most anyone gets. */
  streamFps: number;
  subscribers: Iterable<Subscription>;
  /** A recorder is running: it wants every frame of every env. */
  recording: boolean;
  /** Envs wanted at the stream's fps by other readers (MJPEG streams). */
  streamed?: ReadonlySet<number>;
}

/** The fps at which one subscriber wants `env` (0 = not at all). */
export function subscriberFps(sub: Subscription, env: number, streamFps: number): number {
  if (sub.envs === undefined || sub.envs.has(env)) return Math.min(sub.maxFps ?? streamFps, streamFps);
  if (sub.thumbs?.has(env)) return Math.min(sub.thumbFps ?? DEFAULT_THUMB_FPS, streamFps);
  return 0;
}

/** Frames per second wanted of each env in `envs` (same order); 0 = state only. */
export function demandFor(envs: readonly number[], inputs: DemandInputs): number[] {
  const out = envs.map(() => 0);
  if (inputs.recording) return out.fill(inputs.streamFps);
  const subs = [...inputs.subscribers];
  envs.forEach((env, i) => {
    let fps = inputs.streamed?.has(env) ? inputs.streamFps : 0;
    for (const sub of subs) {
      if (fps >= inputs.streamFps) break;
      fps = Math.max(fps, subscriberFps(sub, env, inputs.streamFps));
    }
    out[i] = fps;
  });
  return out;
}

/** Whether two demand vectors differ (so a `demand` record is sent only on change). */
export function demandChanged(before: readonly number[] | undefined, after: readonly number[]): boolean {
  if (!before || before.length !== after.length) return true;
  return after.some((fps, i) => fps !== before[i]);
}
