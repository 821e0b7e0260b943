/**
 * Per-client limits. A token bucket charges every record a client sends (one WebSocket message
 * can carry ~270 small records, each parsed and answered with never-dropped control records, so
 * counting messages would let a client multiply its rate); the connection answers an over-rate
 * client with an error and closes it with 1008 when abuse goes on, or after a few failed `auth`s.
 */
import { rateOf } from './socket-policy.js';

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

  /** Takes `cost` tokens (default 1: one message; a byte bucket takes a message's size). */
  take(now: number, cost = 1): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#rate);
    this.#at = now;
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }
}

/**
 * Client messages allowed per second, the burst above it, and refusals before closing. Viewers
 * only ping and press buttons; agents with control rights step in lockstep, many times a second:
 * one env at `frames=1` takes 3,700 steps/s on a slow 2-core VM and a ping loop 6,100/s, so
 * their budget is ten times that, enough for a fast machine without letting a runaway loop go free.
 */
export const MESSAGE_RATE = {
  ...rateOf('viewer'),
  controlPerSecond: rateOf('agent').perSecond,
  controlBurst: rateOf('agent').burst,
};

/** Failed `auth` messages one connection may send; the next failure closes it (no token guessing). */
export const MAX_FAILED_AUTHS = 5;

export type RefusalVerdict = 'quiet' | 'warn' | 'close';

/** One connection's rate limit and auth-failure count, on an injected clock (ms). */
export class ClientLimiter {
  readonly #now: () => number;
  readonly #bucket: TokenBucket;
  readonly #controlBucket: TokenBucket;
  readonly #rate: typeof MESSAGE_RATE;
  #refusals = 0;
  #failedAuths = 0;
  #exhausted = false;

  constructor(now: () => number, rate: typeof MESSAGE_RATE = MESSAGE_RATE) {
    this.#now = now;
    this.#rate = rate;
    this.#bucket = new TokenBucket(rate.perSecond, rate.burst, now());
    this.#controlBucket = new TokenBucket(rate.controlPerSecond, rate.controlBurst, now());
  }

  /** True once the connection should be closed: nothing more from it is handled. */
  get exhausted(): boolean {
    return this.#exhausted;
  }

  /** Charges one record (controlling clients have the agents' larger budget). */
  admit(control: boolean): boolean {
    if (!(control ? this.#controlBucket : this.#bucket).take(this.#now())) return false;
    this.#refusals = Math.max(0, this.#refusals - 1); // good behaviour earns the count back
    return true;
  }

  /** Records per second this client may send (the agents' budget when `control`). */
  perSecond(control: boolean): number {
    return control ? this.#rate.controlPerSecond : this.#rate.perSecond;
  }

  /** Counts one refused message: tell the client now and then, close when it goes on and on. */
  refuse(): RefusalVerdict {
    if (++this.#refusals > this.#rate.refusalsBeforeClose) {
      this.#exhausted = true;
      return 'close';
    }
    return this.#refusals === 1 || this.#refusals % 50 === 0 ? 'warn' : 'quiet';
  }

  /** Counts a failed `auth`; true when this one should close the connection. */
  authFailed(): boolean {
    if (++this.#failedAuths >= MAX_FAILED_AUTHS) this.#exhausted = true;
    return this.#exhausted;
  }
}
