/**
 * Opens the input log of a recording file, and re-runs every env of it at full core speed to
 * verify its checkpoints (`gbstream inspect FILE --verify --rom ROM`).
 */
import { open } from 'node:fs/promises';
import { ConfigError } from '../../config-error.js';
import { ErrorCode } from '../../protocol/constants.js';
import { GbsError } from '../../protocol/errors.js';
import { isInputLogType } from '../../protocol/input-log.js';
import type { RecordingIssue } from '../file-reader.js';
import { fileByteSource } from '../file-reader.js';
import { recordingSize } from '../index.js';
import { episodeFrames, readInputLog, type Episode, type InputLog } from './input-log-index.js';
import { checkRom, coreFor, Rerenderer, type Desync } from './rerender.js';

/**
 * The input log of a recording whose index is read already: null when it has no input-log record,
 * or when none of them is whole enough to open an env's timeline (a damaged log, which the
 * index's issues report), so `inspect` and `export` still describe what the file holds.
 */
export async function inputLogOf(path: string, index: { entries: ReadonlyArray<{ type: string }> }): Promise<InputLog | null> {
  if (!index.entries.some((e) => isInputLogType(e.type))) return null;
  try {
    return await openInputLog(path);
  } catch (err) {
    if ((err as { code?: string }).code === 'GBS_ERR_NO_INPUT_LOG') return null;
    throw err;
  }
}

/**
 * Reads the input log of `path`.
 * @throws ConfigError (one line) when the file is missing, not a recording, or holds no input log.
 */
export async function openInputLog(path: string): Promise<InputLog> {
  const size = await recordingSize(path);
  if (size === 0) throw new ConfigError(ErrorCode.NotARecording, `"${path}" is empty, not a gbstream recording`);
  const handle = await open(path, 'r');
  try {
    const log = await readInputLog(fileByteSource(handle, size));
    if (log.envs.size === 0) throw new ConfigError('GBS_ERR_NO_INPUT_LOG', `"${path}" holds no input log (record with --record-mode inputs or both)`);
    return log;
  } catch (err) {
    if (err instanceof GbsError) throw new ConfigError(ErrorCode.NotARecording, `"${path}" is not a gbstream recording: ${err.message}`);
    throw err;
  } finally {
    await handle.close();
  }
}

/**
 * Checks, before any re-run, that `rom` is the recorded ROM and every recorded core loads here.
 * @throws ConfigError (one line) otherwise.
 */
export function checkReplayable(log: InputLog, rom: Uint8Array, romPath: string): void {
  const episodes = [...log.envs.values()].flat();
  for (const sha1 of new Set(episodes.map((e) => e.rom))) checkRom(rom, sha1, `"${romPath}"`);
  for (const core of new Set(episodes.map((e) => e.core))) coreFor(core);
}

export interface EpisodeReport {
  index: number;
  reason: Episode['reason'];
  core: string;
  startFrame: number;
  endFrame: number;
  frames: number;
  checkpoints: number;
  score?: number;
  cut?: Episode['cut'];
}

export interface EnvVerifyReport {
  env: number;
  frames: number;
  episodes: EpisodeReport[];
  checkpoints: number;
  verified: number;
  /** The first checkpoint whose picture differed, or null. */
  desync: Desync | null;
  /** Frames emulated per second by the re-run (wall time). */
  fps: number;
}

export interface VerifyReport {
  file: string;
  rom: string;
  envs: EnvVerifyReport[];
  desynced: boolean;
  issues: RecordingIssue[];
  skipped: string[];
}

export function episodeReport(e: Episode): EpisodeReport {
  return { index: e.index, reason: e.reason, core: e.core, startFrame: e.startFrame, endFrame: e.endFrame, frames: episodeFrames(e), checkpoints: e.checkpoints.length, score: e.score, cut: e.cut };
}

/** Re-runs every episode of every env and reports. `now` is a monotonic ms clock. */
export async function verifyInputLog(file: string, log: InputLog, rom: Uint8Array, romPath: string, now: () => number = () => performance.now()): Promise<VerifyReport> {
  checkReplayable(log, rom, romPath);
  const envs: EnvVerifyReport[] = [];
  for (const [env, episodes] of [...log.envs].sort((a, b) => a[0] - b[0])) {
    const r = new Rerenderer(rom);
    const started = now();
    try {
      for (const e of episodes) await r.verify(e);
    } finally {
      r.close();
    }
    const seconds = (now() - started) / 1000;
    envs.push({
      env,
      frames: episodes.reduce((n, e) => n + episodeFrames(e), 0),
      episodes: episodes.map(episodeReport),
      checkpoints: episodes.reduce((n, e) => n + e.checkpoints.length, 0),
      verified: r.verified,
      desync: r.desync ?? null,
      fps: seconds > 0 ? Math.round(r.stepped / seconds) : 0,
    });
  }
  return { file, rom: romPath, envs, desynced: envs.some((e) => e.desync), issues: log.issues, skipped: log.skipped };
}

/** One episode's line: reason, core, frame numbers, length, score, damage. */
export function formatEpisode(ep: EpisodeReport): string {
  const score = ep.score === undefined ? '' : `, score ${ep.score}`;
  const cut = ep.cut ? `, cut at frame ${ep.cut.at}: ${ep.cut.why}` : '';
  return `  episode ${ep.index} (${ep.reason}, ${ep.core}) frames ${ep.startFrame + 1}…${ep.endFrame} (${ep.frames.toLocaleString('en-US')})${score}${cut}`;
}

/** Each env's episodes, without re-running anything (plain `inspect`). */
export function episodesOf(log: InputLog): Array<{ env: number; frames: number; checkpoints: number; episodes: EpisodeReport[] }> {
  return [...log.envs]
    .sort((a, b) => a[0] - b[0])
    .map(([env, episodes]) => ({ env, frames: episodes.reduce((n, e) => n + episodeFrames(e), 0), checkpoints: episodes.reduce((n, e) => n + e.checkpoints.length, 0), episodes: episodes.map(episodeReport) }));
}

export function formatVerifyReport(r: VerifyReport): string {
  const lines = [`file       ${r.file}`, `rom        ${r.rom}`];
  for (const e of r.envs) {
    const verdict = e.desync ? `DESYNC at frame ${e.desync.frame} (episode ${e.desync.episode})` : 'ok';
    lines.push(`env ${e.env}      ${e.frames} frames, ${e.episodes.length} episode${e.episodes.length === 1 ? '' : 's'}, checkpoints ${e.verified}/${e.checkpoints} verified, re-run ${e.fps.toLocaleString('en-US')} frames/s: ${verdict}`);
    for (const ep of e.episodes) lines.push(formatEpisode(ep));
  }
  if (r.issues.length === 0) lines.push('damage     none');
  else r.issues.forEach((issue, i) => lines.push(`${i === 0 ? 'damage' : '      '}     ${issue.message}`));
  for (const s of r.skipped) lines.push(`skipped    ${s}`);
  return lines.join('\n') + '\n';
}
