import type { ErrorCode } from './constants.js';

/**
 * Error for bad data (a malformed record, a refused request). Carries a machine-readable `code`
 * so the stage's edge can turn it into an `error` record or a logged skip. Browser-safe.
 */
export class GbsError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'GbsError';
    this.code = code;
  }
}
