/**
 * Error for bad configuration: a bad ROM path, an invalid map file, an option out of range.
 * The CLI prints its message as one line and exits non-zero; no stack trace. The message must
 * quote the offending value.
 */
export class ConfigError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.code = code;
  }
}
