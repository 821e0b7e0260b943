/**
 * Error for bad configuration: a bad ROM path, an invalid map file, an option out of range.
 * The CLI prints its message as one line and exits non-zero; no stack trace. The message must
 * quote the offending value.
 */
import type { ConfigErrorCode, ErrorCode } from './protocol/constants.js';
import { CodedError } from './protocol/errors.js';

export class ConfigError extends CodedError<ConfigErrorCode | ErrorCode> {}
