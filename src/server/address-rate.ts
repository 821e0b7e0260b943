/**
 * A rate per remote address, for requests with no connection to hold a limit (`POST
 * /api/progress`: each request may come on a new connection). One token bucket per address, with
 * the socket policy's numbers for the kind; at most `maxAddresses` remembered (the least recently
 * seen go first), so a spray of addresses cannot grow it. On an injected clock.
 */
import { TokenBucket } from './rate-limit.js';
import { AUTH_FAILURES, rateOf, type SocketKind } from './socket-policy.js';

export class AddressRates {
  readonly perSecond: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #max: number;
  readonly #by = new Map<string, TokenBucket>();

  constructor(kind: SocketKind, now: () => number = () => performance.now(), maxAddresses = AUTH_FAILURES.maxAddresses) {
    const rate = rateOf(kind);
    this.perSecond = rate.perSecond;
    this.#burst = rate.burst;
    this.#now = now;
    this.#max = maxAddresses;
  }

  /** Charges one request of `address`; false when it is over its rate (refuse it). */
  take(address: string): boolean {
    const now = this.#now();
    let bucket = this.#by.get(address);
    if (bucket) this.#by.delete(address);
    else {
      if (this.#by.size >= this.#max) this.#by.delete(this.#by.keys().next().value as string);
      bucket = new TokenBucket(this.perSecond, this.#burst, now);
    }
    this.#by.set(address, bucket);
    return bucket.take(now);
  }
}
