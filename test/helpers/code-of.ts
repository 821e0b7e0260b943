/**
 * The `code` of what `fn` throws: a GbsError's code, a short "not a GbsError: …" for anything else
 * (so a test that expects a code fails with the real error in its message), undefined when nothing
 * is thrown.
 */
import { GbsError } from '../../src/protocol/errors.js';

export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof GbsError ? err.code : `not a GbsError: ${String(err)}`;
  }
  return undefined;
}
