/**
 * Who may drive the emulator. Viewers are read-only by default; `--control open` lets every
 * client send input (local play), `--control-token TOKEN` lets clients that send `auth` with that token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthFailures } from './auth-failures.js';

export type ControlPolicy = { mode: 'off' } | { mode: 'open' } | { mode: 'token'; token: string };

/** Compares tokens in constant time (hashing first makes the lengths equal). */
export function tokenMatches(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

const failures = new WeakMap<ControlPolicy, AuthFailures>();

/**
 * The failed-auth count of a site: one per control policy (a site hands the same policy to all
 * its endpoints), shared by every socket kind.
 */
export function authFailuresOf(policy: ControlPolicy): AuthFailures {
  let f = failures.get(policy);
  if (!f) failures.set(policy, (f = new AuthFailures()));
  return f;
}

/**
 * A token check that counts failures per remote address (see auth-failures.ts).
 * @param remote the peer's address, when the checker serves one connection
 * @returns undefined without a token; the check throws GbsError(AuthBlocked) for a refused address
 */
export function tokenChecker(policy: ControlPolicy, remote?: string): ((token: string, from?: string) => boolean) | undefined {
  if (policy.mode !== 'token') return undefined;
  const tally = authFailuresOf(policy);
  return (token, from) => {
    const address = from ?? remote ?? 'unknown';
    tally.check(address);
    const ok = tokenMatches(policy.token, token);
    if (!ok) tally.fail(address);
    return ok;
  };
}
