/**
 * Who may drive the emulator. Viewers are read-only by default; `--control open` lets every
 * client send input (local play), `--control-token TOKEN` lets clients that send `auth` with that token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type ControlPolicy = { mode: 'off' } | { mode: 'open' } | { mode: 'token'; token: string };

/** Compares tokens in constant time (hashing first makes the lengths equal). */
export function tokenMatches(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

export function tokenChecker(policy: ControlPolicy): ((token: string) => boolean) | undefined {
  return policy.mode === 'token' ? (token) => tokenMatches(policy.token, token) : undefined;
}
