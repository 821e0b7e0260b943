/**
 * Starts a recorder from the CLI's `--record FILE` / `--record-dir DIR` and rotation options.
 * A destination that cannot be written is a configuration error: gbstream refuses to start rather
 * than stream without the recording that was asked for — or destroy one: `--record FILE` refuses
 * when FILE or one of its rotated files (`FILE-001…`) exists.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { ConfigError } from '../config-error.js';
import type { EventMessage, HelloMessage } from '../protocol/messages.js';
import type { EnvChoice } from './env-choice.js';
import { dirRecordingPath, fileSeriesPath } from './naming.js';
import { Recorder, type OpenRecordFile } from './recorder.js';

/** `--record-mode`: published frames (as viewers get them), every env's input log, or both. */
export const RECORD_MODES = ['frames', 'inputs', 'both'] as const;
export type RecordMode = (typeof RECORD_MODES)[number];

export interface RecordSpec {
  /** One file (rotated files get -001, -002, … before the extension). */
  file?: string;
  /** A directory: one file per run, named by UTC start time and ROM title. */
  dir?: string;
  /** Start a new file before one passes this many bytes. */
  maxBytes?: number;
  /** Start a new file after this many ms. */
  maxMs?: number;
  /** Injected file opener (tests force a failing disk). */
  open?: OpenRecordFile;
  /** Only these envs' frames (`--record-envs`); default every env. */
  envs?: EnvChoice;
}

/** Creates the recorder and its first file; `hello` is asked again as each rotated file starts. */
export async function startRecorder(spec: RecordSpec, hello: () => Omit<HelloMessage, 'control'>, onEvent: (event: EventMessage) => void): Promise<Recorder> {
  const { file, dir } = spec;
  if (file === undefined && dir === undefined) throw new ConfigError('GBS_ERR_RECORD', 'startRecorder needs a file or a directory');
  if (dir !== undefined) {
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw new ConfigError('GBS_ERR_RECORD', `cannot create the recording directory "${dir}" (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  if (file !== undefined) await refuseExisting(file, spec.maxBytes !== undefined || spec.maxMs !== undefined);
  const recorder = new Recorder({
    hello,
    onEvent,
    open: spec.open,
    maxBytes: spec.maxBytes,
    maxMs: spec.maxMs,
    nextPath: (index, startedAt) => (dir !== undefined ? dirRecordingPath(dir, hello().rom.title, startedAt) : fileSeriesPath(file!, index)),
  });
  try {
    await recorder.start();
  } catch (err) {
    const where = dir ?? file;
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw existsError(where!);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && file !== undefined) {
      throw new ConfigError('GBS_ERR_RECORD', `cannot record to "${file}": the folder "${dirname(file)}" does not exist (create it, or use --record-dir, which does)`);
    }
    throw new ConfigError('GBS_ERR_RECORD', `cannot record to "${where}" (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return recorder;
}

function existsError(path: string): ConfigError {
  return new ConfigError('GBS_ERR_RECORD', `"${path}" exists: gbstream never overwrites a recording; choose another name or move it`);
}

/** Refuses when `file` or (when rotating) a file of its series (`stem-NNN.ext`) exists already. */
async function refuseExisting(file: string, rotates: boolean): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dirname(file));
  } catch {
    return; // No such directory: opening the file reports it.
  }
  const ext = extname(file);
  const stem = basename(file).slice(0, basename(file).length - ext.length);
  const series = new RegExp(`^${escapeRegExp(stem)}-\\d{3,}${escapeRegExp(ext)}$`);
  if (names.includes(basename(file))) throw existsError(file);
  const rotated = rotates ? names.filter((n) => series.test(n)).sort() : [];
  if (rotated.length > 0) throw existsError(join(dirname(file), rotated[0]!));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
