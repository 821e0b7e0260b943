/**
 * SIGINT/SIGTERM for long-running commands: the first signal stops cleanly (clients get close
 * code 1001) and exits 0; a second signal, or a shutdown slower than SHUTDOWN_TIMEOUT_MS, exits
 * at once with 1.
 */
import type { Logger } from '../log.js';

export const SHUTDOWN_TIMEOUT_MS = 10_000;

export function exitOnSignals(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      process.stderr.write(`gbstream: shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; exiting\n`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`gbstream: error while shutting down: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
