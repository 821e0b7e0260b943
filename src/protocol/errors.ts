import type { ConfigErrorCode, ErrorCode } from './constants.js';

/**
 * The one shape of gbstream's errors: a message for people and a machine-readable `code` from
 * constants.ts. Browser-safe.
 */
export class CodedError<Code extends string = ErrorCode | ConfigErrorCode> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * Error for bad data (a malformed record, a refused request). The stage's edge turns it into an
 * `error` record or a logged skip.
 */
export class GbsError extends CodedError<ErrorCode> {}
