/**
 * Per-client message rate limit: a token bucket. `take()` is false when the client is over its
 * rate; the connection answers with an error, and closes with 1008 when abuse goes on.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;

  /** @param ratePerSec refill rate; @param burst bucket size */
  constructor(ratePerSec: number, burst: number, now: number) {
    this.#rate = ratePerSec / 1000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#at = now;
  }

  take(now: number): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#rate);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/**
 * Client messages allowed per second, the burst above it, and refusals before closing. Viewers
 * only ping and press buttons; agents with control rights step in lockstep, many times a second.
 */
export const MESSAGE_RATE = { perSecond: 50, burst: 100, refusalsBeforeClose: 200, controlPerSecond: 5000, controlBurst: 5000 };
