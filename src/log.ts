/**
 * Logging through pino, to stderr (stdout is for program output such as the listening URL).
 * Human-readable on a terminal, JSON lines otherwise (or as `GBSTREAM_LOG_FORMAT` says).
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LogOptions {
  level?: string;
  format?: 'pretty' | 'json';
}

export function createLogger(options: LogOptions = {}): Logger {
  const level = options.level ?? process.env['GBSTREAM_LOG_LEVEL'] ?? 'info';
  const envFormat = process.env['GBSTREAM_LOG_FORMAT'];
  const format = options.format ?? (envFormat === 'json' || envFormat === 'pretty' ? envFormat : process.stderr.isTTY ? 'pretty' : 'json');
  if (format === 'json') return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: true }));
  return pino(
    { level, base: undefined },
    pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' }),
  );
}

/** A logger that drops everything (library use and tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
