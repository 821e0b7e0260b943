/**
 * Pure pacing arithmetic: how many emulated frames are due at a wall-clock time.
 * `speed` is a multiple of the Game Boy's 59.73 frames/s; 'max' means as fast as the core goes.
 */
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import { GB_FRAME_RATE } from './emulator.js';

export type Speed = number | 'max';

/** Highest speed multiplier a run or a replay accepts (`--speed`, the `speed` command). */
export const MAX_SPEED = 100;

/**
 * Checks the `value` of a client's `speed` command: a number above 0 and at most MAX_SPEED, or
 * "max" where `allowMax` (emulators can run flat out; a replay has no "as fast as possible").
 * @throws GbsError `GBS_ERR_BAD_FIELD` quoting the value.
 */
export function speedArg(value: unknown, allowMax: boolean): Speed {
  if ((allowMax && value === 'max') || (typeof value === 'number' && value > 0 && value <= MAX_SPEED)) return value as Speed;
  throw new GbsError(ErrorCode.BadField, `speed needs args.value: a number above 0 and at most ${MAX_SPEED}${allowMax ? ', or "max"' : ''}; got ${JSON.stringify(value)}`);
}

/** Longest backlog the pacer catches up on; beyond it, it drops the debt instead of spiralling. */
export const MAX_BACKLOG_MS = 250;

export class Pacer {
  readonly #framesPerMs: number;
  #origin: number;
  #done = 0;

  constructor(speed: number, now: number) {
    this.#framesPerMs = (GB_FRAME_RATE * speed) / 1000;
    this.#origin = now;
  }

  /** Frames that should have run by `now` and have not. Resets the origin after a long stall. */
  due(now: number): number {
    let target = Math.floor((now - this.#origin) * this.#framesPerMs);
    if (target - this.#done > MAX_BACKLOG_MS * this.#framesPerMs) {
      // Behind by more than the backlog (a GC pause, a suspended laptop): start afresh from now.
      this.#origin = now - 1 / this.#framesPerMs;
      this.#done = 0;
      target = 1;
    }
    return Math.max(0, target - this.#done);
  }

  /** Records that `n` frames ran. */
  ran(n: number): void {
    this.#done += n;
  }

  /** Milliseconds from `now` until the next frame is due (≥ 0). */
  msUntilNext(now: number): number {
    const nextAt = this.#origin + (this.#done + 1) / this.#framesPerMs;
    return Math.max(0, nextAt - now);
  }
}
