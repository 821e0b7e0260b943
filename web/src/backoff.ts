/**
 * Reconnect delays: exponential backoff with full jitter (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"): attempt n waits a uniform random time in [0, min(cap, base·2ⁿ)].
 * A connection that stayed up for `stableMs` resets the schedule.
 */
export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  stableMs?: number;
  random?: () => number;
}

export class Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  readonly stableMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 1000;
    this.capMs = options.capMs ?? 30_000;
    this.stableMs = options.stableMs ?? 60_000;
    this.#random = options.random ?? Math.random;
  }

  get attempt(): number {
    return this.#attempt;
  }

  /** The ceiling of the next delay (before jitter). */
  ceiling(attempt = this.#attempt): number {
    return Math.min(this.capMs, this.baseMs * 2 ** attempt);
  }

  /** Delay before the next reconnect attempt; advances the schedule. */
  next(): number {
    const delay = Math.round(this.#random() * this.ceiling());
    this.#attempt++;
    return delay;
  }

  /** Call when a connection closes after being up `upMs`: a stable one resets the schedule. */
  connectionEnded(upMs: number): void {
    if (upMs >= this.stableMs) this.#attempt = 0;
  }

  reset(): void {
    this.#attempt = 0;
  }
}
