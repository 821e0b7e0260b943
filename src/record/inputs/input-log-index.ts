/**
 * Reads the input log of a recording (docs/recording-format.md) into per-env episodes: for each
 * env, the timelines between its `start` records, each with its start state, its button runs
 * (addressable by frame), its checkpoints and its score. One pass over the file; states stay
 * deflated until a re-run loads one.
 *
 * Damage: the file reader reports a truncated tail or skips a corrupt record. A lost `inputs`
 * record shows up as a gap (the next one does not continue the frame count): the episode ends at
 * the last frame before the gap (`cut`), and the env's records are ignored until its next `start`.
 */
import { ErrorCode } from '../../protocol/constants.js';
import { GbsError } from '../../protocol/errors.js';
import { decodeRuns, isInputLogType, parseInputLog, type StartReason } from '../../protocol/input-log.js';
import type { HelloMessage } from '../../protocol/messages.js';
import type { RecordingIssue } from '../file-reader.js';
import { readRecordings, type ByteSource } from '../file-reader.js';

export interface Checkpoint {
  frame: number;
  /** Deflated state. */
  state: Uint8Array;
  hash: Uint8Array;
}

export interface Episode {
  env: number;
  /** 0-based: the env's K-th timeline in the file. */
  index: number;
  reason: StartReason | 'checkpoint';
  core: string;
  coreVersion?: string;
  rom: string;
  sound: boolean;
  /** Frame counter at the start; the first picture of the episode is frame `startFrame + 1`. */
  startFrame: number;
  /** Deflated start state. */
  state: Uint8Array;
  /** Frame counter after the last logged input (the episode's last picture). */
  endFrame: number;
  /** Runs: the frame counter before each run's first frame, its mask and its length. */
  runFrom: number[];
  runMask: number[];
  runCount: number[];
  checkpoints: Checkpoint[];
  score?: number;
  /** Whether a trainer marked its end (`episode` record). */
  marked: boolean;
  /** Set when damage ended it: the frame it could not continue from. */
  cut?: { at: number; why: string };
  /** Wall time of the start record, ms since the epoch (undefined when opened by a checkpoint). */
  ts?: number;
}

export interface InputLog {
  hello: HelloMessage;
  /** Episodes by env, in file order. */
  envs: Map<number, Episode[]>;
  /** Input-log records that were refused (bad fields) or had no episode to go to. */
  skipped: string[];
  issues: RecordingIssue[];
}

/** Frames in an episode. */
export function episodeFrames(e: Episode): number {
  return e.endFrame - e.startFrame;
}

/** Index of the run that holds the step from frame counter `frame` (frame → frame + 1), or -1. */
export function runAt(e: Episode, frame: number): number {
  let lo = 0;
  let hi = e.runFrom.length - 1;
  if (hi < 0 || frame < e.runFrom[0]! || frame >= e.endFrame) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (e.runFrom[mid]! <= frame) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Reads every record of `source` and groups the input log by env.
 * @throws GbsError(NotARecording) when the first record is not a hello.
 */
export async function readInputLog(source: ByteSource): Promise<InputLog> {
  let hello: HelloMessage | undefined;
  const envs = new Map<number, Episode[]>();
  const open = new Map<number, Episode>();
  const skipped: string[] = [];
  const issues: RecordingIssue[] = [];
  for await (const item of readRecordings(source)) {
    if (item.kind !== 'record') {
      issues.push(item);
      continue;
    }
    const m = item.message;
    if (!hello) {
      if (m.type !== 'hello') throw new GbsError(ErrorCode.NotARecording, 'the file does not start with a hello record');
      hello = m as unknown as HelloMessage;
      continue;
    }
    if (!isInputLogType(m.type)) continue;
    let r;
    try {
      r = parseInputLog(m);
    } catch (err) {
      skipped.push(`record at byte ${item.offset}: ${(err as Error).message}`);
      continue;
    }
    const list = envs.get(r.env) ?? [];
    envs.set(r.env, list);
    const current = open.get(r.env);
    const begin = (e: Omit<Episode, 'env' | 'index' | 'endFrame' | 'runFrom' | 'runMask' | 'runCount' | 'checkpoints' | 'marked'>) => {
      const episode: Episode = { ...e, env: r.env, index: list.length, endFrame: e.startFrame, runFrom: [], runMask: [], runCount: [], checkpoints: [], marked: false };
      list.push(episode);
      open.set(r.env, episode);
      return episode;
    };
    switch (r.type) {
      case 'start':
        begin({ reason: r.reason, core: r.core, coreVersion: r.coreVersion, rom: r.rom, sound: r.sound, startFrame: r.frame, state: r.state, ts: r.ts });
        break;
      case 'inputs': {
        if (!current || current.cut) {
          if (!current) skipped.push(`inputs of env ${r.env} at frame ${r.frame} before any start or checkpoint`);
          break;
        }
        if (r.frame !== current.endFrame) {
          current.cut = { at: current.endFrame, why: `inputs resume at frame ${r.frame} after frame ${current.endFrame} (records lost in between)` };
          break;
        }
        let runs;
        try {
          runs = decodeRuns(r.runs);
        } catch (err) {
          current.cut = { at: current.endFrame, why: (err as Error).message };
          break;
        }
        for (const run of runs) {
          current.runFrom.push(current.endFrame);
          current.runMask.push(run.mask);
          current.runCount.push(run.count);
          current.endFrame += run.count;
        }
        break;
      }
      case 'checkpoint':
        if (!current) {
          // A file that begins mid-run (a rotated one): the checkpoint is a start.
          const e = begin({ reason: 'checkpoint', core: hello.core ?? 'serverboy', rom: hello.rom.sha1, sound: false, startFrame: r.frame, state: r.state });
          e.checkpoints.push({ frame: r.frame, state: r.state, hash: r.hash });
        } else if (!current.cut && r.frame === current.endFrame) {
          current.checkpoints.push({ frame: r.frame, state: r.state, hash: r.hash });
        }
        break;
      case 'episode':
        if (current) {
          current.score = r.score;
          current.marked = true;
        }
        break;
    }
  }
  if (!hello) throw new GbsError(ErrorCode.NotARecording, 'the file holds no whole hello record');
  return { hello, envs, skipped, issues };
}
