/**
 * Which recorded frames a video of a frame recording takes (`export --mp4/--gif` without `--rom`):
 * one env's frames, one episode of an env (a `--record-mode both` file: the frames between that
 * env's start records), or every env tiled (`--grid`): grid picture k, at k / fps seconds, holds
 * each env's newest frame by then. Pure functions over the index.
 */
import { ConfigError } from '../config-error.js';
import { ErrorCode } from '../protocol/constants.js';
import type { FrameEntry, IndexEntry } from './index.js';
import type { Episode, InputLog } from './inputs/input-log-index.js';

/**
 * The frames of episode `episode` (its index in the input log) of its env: those after its start
 * record and before the env's next one (an episode opened by a checkpoint, in a rotated file:
 * from the file's beginning).
 */
export function episodeFrameEntries(entries: readonly IndexEntry[], frames: readonly FrameEntry[], log: InputLog, episode: Episode): FrameEntry[] {
  const starts = entries.filter((e) => e.type === 'start' && e.env === episode.env).map((e) => e.offset);
  const k = log.envs.get(episode.env)![0]?.reason === 'checkpoint' ? episode.index - 1 : episode.index;
  const from = k < 0 ? 0 : starts[k] ?? Infinity;
  const to = starts[k + 1] ?? Infinity;
  return frames.filter((f) => f.env === episode.env && f.offset > from && f.offset < to);
}

/**
 * The episode `--episode ENV:K|best` names. @throws ConfigError (one line) when the recording
 * has no input log (a frames-only recording has no episodes), or no such episode.
 */
export function namedEpisode(log: InputLog | null, file: string, which: { env: number; index: number } | 'best'): Episode {
  if (!log) throw new ConfigError('GBS_ERR_NO_SUCH_EPISODE', `--episode: "${file}" holds frames only; episodes are marked by an input log (record with --record-mode both)`);
  if (which === 'best') {
    const scored = [...log.envs.values()].flat().filter((e) => e.score !== undefined);
    if (scored.length === 0) throw new ConfigError('GBS_ERR_NO_SUCH_EPISODE', '--episode best: no episode has a score (VectorEnv.mark_episode(i, score) sets one)');
    return scored.reduce((a, b) => (b.score! > a.score! ? b : a));
  }
  const list = log.envs.get(which.env);
  if (!list) throw new ConfigError(ErrorCode.NoSuchEnv, `no env ${which.env} in the input log; it has envs ${[...log.envs.keys()].sort((a, b) => a - b).join(', ')}`);
  const e = list[which.index];
  if (!e) throw new ConfigError('GBS_ERR_NO_SUCH_EPISODE', `env ${which.env} has episodes 0–${list.length - 1}, not ${which.index}`);
  return e;
}

/**
 * Grid pictures at `fps` from the first selected frame to the last: for each, every env's newest
 * frame at or before its time (undefined before an env's first frame), envs in `envs` order.
 */
export function* gridEntries(frames: readonly FrameEntry[], envs: readonly number[], fps: number): Generator<Array<FrameEntry | undefined>> {
  if (frames.length === 0) return;
  const byEnv = envs.map((env) => frames.filter((f) => f.env === env).sort((a, b) => a.ts - b.ts));
  // A loop, not Math.min(...): spreading a long recording's frames overflows the stack (~130k).
  let start = Infinity;
  let end = -Infinity;
  for (const f of frames) {
    if (f.ts < start) start = f.ts;
    if (f.ts > end) end = f.ts;
  }
  const next = envs.map(() => 0);
  const count = Math.floor(((end - start) * fps) / 1000 + 1e-9) + 1;
  for (let k = 0; k < count; k++) {
    const t = start + (k * 1000) / fps;
    yield byEnv.map((list, i) => {
      while (next[i]! < list.length && list[next[i]!]!.ts <= t) next[i]!++;
      return next[i]! > 0 ? list[next[i]! - 1] : undefined;
    });
  }
}
