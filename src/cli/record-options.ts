/**
 * Option parsers for recording, replay and export. Like `options.ts`, each refuses a bad value
 * with a message that quotes it.
 */
import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../config-error.js';
import type { RecordSpec } from '../record/start-recorder.js';
import { parseEnvChoice } from '../record/env-choice.js';
import { MAX_SPEED } from '../emulator/pacer.js';

function fail(name: string, expected: string, value: string): never {
  throw new InvalidArgumentError(`Expected \`${name}\` to be ${expected}, got \`${value}\`.`);
}

function positiveNumber(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) fail(name, `a number above 0 and at most ${max}`, value);
    return n;
  };
}

function positiveInt(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < 1 || n > max) fail(name, `an integer 1–${max}`, value);
    return n;
  };
}

/** `--record-max-mb`: megabytes (MiB) per file; fractions allowed. */
export const parseRecordMaxMb = positiveNumber('record-max-mb', 1024 * 1024);
/** `--record-max-min`: minutes per file; fractions allowed. */
export const parseRecordMaxMin = positiveNumber('record-max-min', 7 * 24 * 60);
/** `--checkpoint-s`: emulated seconds between input-log checkpoints. */
export const parseCheckpointS = positiveNumber('checkpoint-s', 24 * 3600);
/** `replay --speed`: a multiplier of the recorded pace (no "max": replay is paced by timestamps). */
export function parseReplaySpeed(value: string): number {
  const n = Number(value.replace(/x$/i, ''));
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > MAX_SPEED) fail('speed', `a multiplier above 0 and at most ${MAX_SPEED} (1 = as recorded)`, value);
  return n;
}
export const parseEvery = positiveInt('every', 1_000_000);
export const parseScale = positiveInt('scale', 16);
export const parseThumbnails = positiveInt('thumbnails', 400);
/** `export --env`: an env id (0 or more). */
export function parseEnvId(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) fail('env', 'an env id (an integer ≥ 0)', value);
  return n;
}

/** `--from`/`--to`: seconds from the start of the recording. */
export function parseSeconds(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) fail(name, 'seconds from the start (a number ≥ 0)', value);
    return n;
  };
}

/** The recording flags `serve` and `hub` share. */
export interface RecordFlags {
  record?: string;
  recordDir?: string;
  recordMaxMb?: number;
  recordMaxMin?: number;
  recordEnvs?: string;
}

/** `--record`/`--record-dir` and the rotation limits as a RecordSpec (undefined: no recording). */
export function recordSpec(flags: RecordFlags): RecordSpec | undefined {
  const recording = flags.record !== undefined || flags.recordDir !== undefined;
  if ((flags.recordMaxMb !== undefined || flags.recordMaxMin !== undefined || flags.recordEnvs !== undefined) && !recording) {
    throw new ConfigError('GBS_ERR_RECORD', '--record-max-mb/--record-max-min/--record-envs need --record FILE or --record-dir DIR');
  }
  if (!recording) return undefined;
  return {
    file: flags.record,
    dir: flags.recordDir,
    maxBytes: flags.recordMaxMb === undefined ? undefined : Math.round(flags.recordMaxMb * 1024 * 1024),
    maxMs: flags.recordMaxMin === undefined ? undefined : flags.recordMaxMin * 60_000,
    ...(flags.recordEnvs !== undefined && { envs: parseEnvChoice(flags.recordEnvs) }),
  };
}
