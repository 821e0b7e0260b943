/** Turns a failed `listen` into the one clear line a user needs; other errors pass through. */
import { ConfigError } from '../config-error.js';

export function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new ConfigError('GBS_ERR_PORT_IN_USE', `port ${port} on ${host} is already in use; pick another with --port (0 picks a free one)`);
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
    return new ConfigError('GBS_ERR_LISTEN', `cannot listen on ${host}:${port} (${code})`);
  }
  return err;
}
