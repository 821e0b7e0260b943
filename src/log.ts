/**
 * Logging through pino, to stderr (stdout is for program output such as the listening URL).
 * One human line per entry when stderr is a terminal, JSON lines otherwise; `--log-format` (or
 * `GBSTREAM_LOG_FORMAT`) says which outright.
 */
import { isatty } from 'node:tty';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogOptions {
  level?: string;
  format?: LogFormat;
}

/**
 * The format to log in: the one asked for, else `GBSTREAM_LOG_FORMAT`, else by whether fd 2 is a
 * terminal. `isatty(2)` rather than `process.stderr.isTTY`: in a worker thread `process.stderr`
 * is a pipe to the main thread, but the logger writes to fd 2 itself, the same terminal.
 */
export function resolveLogFormat(format?: LogFormat): LogFormat {
  const fromEnv = process.env['GBSTREAM_LOG_FORMAT'];
  return format ?? (fromEnv === 'json' || fromEnv === 'pretty' ? fromEnv : isatty(2) ? 'pretty' : 'json');
}

export function createLogger(options: LogOptions = {}): Logger {
  const level = options.level ?? process.env['GBSTREAM_LOG_LEVEL'] ?? 'info';
  if (resolveLogFormat(options.format) === 'json') return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: true }));
  return pino(
    { level, base: undefined },
    pretty({ destination: 2, sync: true, colorize: isatty(2), singleLine: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' }),
  );
}

/** A logger that drops everything (library use and tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
