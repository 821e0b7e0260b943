/**
 * An env's timeline in an input-log replay: its episodes one after another, addressed by position
 * (0-based, one per emulated frame). Position p is shown at p / 59.73 s of the replay's clock, so
 * every env starts together and a seek moves them all; an env whose frames have run out keeps
 * its last picture. Pure functions.
 */
import { GB_FRAME_RATE } from '../emulator/emulator.js';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import { episodeFrames, type Episode } from '../record/inputs/input-log-index.js';

export interface EnvTimeline {
  env: number;
  episodes: readonly Episode[];
  /** Position of each episode's first frame. */
  offsets: readonly number[];
  /** Frames in all its episodes. */
  total: number;
}

export function timelineOf(env: number, episodes: readonly Episode[]): EnvTimeline {
  const offsets: number[] = [];
  let total = 0;
  for (const e of episodes) {
    offsets.push(total);
    total += episodeFrames(e);
  }
  return { env, episodes, offsets, total };
}

/** Recorded ms of position `p`. */
export const msOfPosition = (p: number): number => (p * 1000) / GB_FRAME_RATE;

/** The position shown at `ms` (the last whole frame begun by then). */
export const positionOfMs = (ms: number): number => Math.max(0, Math.floor((ms * GB_FRAME_RATE) / 1000 + 1e-6));

/** The episode and frame number at position `p` (clamped to the timeline). Undefined for an env with no frames. */
export function locate(t: EnvTimeline, p: number): { episode: Episode; frame: number; position: number } | undefined {
  if (t.total === 0) return undefined;
  const position = Math.max(0, Math.min(Math.floor(p), t.total - 1));
  let lo = 0;
  let hi = t.episodes.length - 1;
  // The last episode starting at or before `position` that has frames.
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (t.offsets[mid]! <= position) lo = mid;
    else hi = mid - 1;
  }
  while (episodeFrames(t.episodes[lo]!) === 0 || t.offsets[lo]! + episodeFrames(t.episodes[lo]!) <= position) lo++;
  const episode = t.episodes[lo]!;
  return { episode, frame: episode.startFrame + 1 + position - t.offsets[lo]!, position };
}

/**
 * The position of frame `frame` (the number a live `frame` record carries) of episode `episode`,
 * or, without one, of `current` when it holds that frame, else of the first episode that does.
 * @throws GbsError(BadField) naming what the env holds.
 */
export function positionOf(t: EnvTimeline, frame: number, episode?: number, current?: Episode): number {
  const holds = (e: Episode) => frame > e.startFrame && frame <= e.endFrame;
  let k: number;
  if (episode !== undefined) {
    const e = t.episodes[episode];
    if (!e) throw new GbsError(ErrorCode.BadField, `env ${t.env} has episodes 0–${t.episodes.length - 1}, not ${episode}`);
    if (!holds(e)) throw new GbsError(ErrorCode.BadField, `episode ${episode} of env ${t.env} holds frames ${e.startFrame + 1}–${e.endFrame}, not ${frame}`);
    k = episode;
  } else {
    k = current && holds(current) ? t.episodes.indexOf(current) : t.episodes.findIndex(holds);
    if (k < 0) throw new GbsError(ErrorCode.BadField, `env ${t.env} has no frame ${frame}; its episodes hold ${t.episodes.filter((e) => episodeFrames(e) > 0).map((e) => `${e.startFrame + 1}–${e.endFrame}`).join(', ')}`);
  }
  return t.offsets[k]! + frame - t.episodes[k]!.startFrame - 1;
}
