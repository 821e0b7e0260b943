/**
 * Failed auths counted per remote address across every socket kind and endpoint (`/ws` viewers
 * and agents, publishers, `/broadcast?token=`, `POST /api/progress`): an address that fails
 * AUTH_FAILURES.perWindow times within a window is refused, whatever it sends, for `blockMs`.
 * Per connection limits alone let a client guess tokens by reconnecting. On an injected clock.
 */
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import { AUTH_FAILURES } from './socket-policy.js';

export { AUTH_FAILURES };

interface Tally {
  count: number;
  since: number;
  blockedUntil: number;
}

export class AuthFailures {
  readonly #now: () => number;
  readonly #limits: typeof AUTH_FAILURES;
  readonly #by = new Map<string, Tally>();

  constructor(now: () => number = () => performance.now(), limits: typeof AUTH_FAILURES = AUTH_FAILURES) {
    this.#now = now;
    this.#limits = limits;
  }

  /** How long (ms) `address` stays refused; 0 when it may try. */
  blockedFor(address: string): number {
    const t = this.#by.get(address);
    return t ? Math.max(0, t.blockedUntil - this.#now()) : 0;
  }

  /** @throws GbsError(AuthBlocked) when `address` is refused now. */
  check(address: string): void {
    const wait = this.blockedFor(address);
    if (wait > 0) {
      throw new GbsError(ErrorCode.AuthBlocked, `too many failed auths from ${address} (${this.#limits.perWindow} in ${this.#limits.windowMs / 1000} s): refused for ${Math.ceil(wait / 1000)} s more`);
    }
  }

  /** Counts one failed auth of `address`. */
  fail(address: string): void {
    const now = this.#now();
    let t = this.#by.get(address);
    if (!t || now - t.since > this.#limits.windowMs) {
      this.#by.delete(address);
      if (this.#by.size >= this.#limits.maxAddresses) this.#by.delete(this.#by.keys().next().value as string);
      t = { count: 0, since: now, blockedUntil: t?.blockedUntil ?? 0 };
      this.#by.set(address, t);
    }
    if (++t.count >= this.#limits.perWindow) t.blockedUntil = now + this.#limits.blockMs;
  }
}
