/**
 * Which frames of an input log an export takes, re-rendered: one env (all its episodes in file
 * order, or one episode: `ENV:K`, or `best`, the highest-scored), or a grid of every env tiled
 * into one picture per frame. `--from`/`--to` are seconds of emulated time (59.73 frames a second)
 * from the selection's first frame.
 */
import { ConfigError } from '../../config-error.js';
import { GB_FRAME_RATE } from '../../emulator/emulator.js';
import { ErrorCode, SCREEN_HEIGHT, SCREEN_WIDTH } from '../../protocol/constants.js';
import { episodeFrames, type Episode, type InputLog } from './input-log-index.js';
import { Rerenderer } from './rerender.js';

export interface InputSelection {
  /** One env (default 0 unless `grid` or `episode` says otherwise). */
  env?: number;
  /** Every env, tiled. */
  grid?: boolean;
  /** `{ env, index }`, or 'best': the episode with the highest score. */
  episode?: { env: number; index: number } | 'best';
  fromS?: number;
  toS?: number;
}

export interface SelectedFrame {
  env: number;
  episode: number;
  frame: number;
  rgb: Uint8Array;
}

/** Parses `--episode ENV:K` or `best`. */
export function parseEpisode(value: string): InputSelection['episode'] {
  if (value === 'best') return 'best';
  const m = /^(\d+):(\d+)$/.exec(value.trim());
  if (!m) throw new ConfigError('GBS_ERR_NO_SUCH_EPISODE', `Expected \`episode\` to be ENV:K (e.g. 0:2) or best, got \`${value}\`.`);
  return { env: Number(m[1]), index: Number(m[2]) };
}

/**
 * The episodes of each env the selection takes.
 * @throws ConfigError (one line) for an unknown env or episode, or `best` with no scored episode.
 */
export function selectEpisodes(log: InputLog, s: InputSelection): Map<number, Episode[]> {
  const envs = [...log.envs.keys()].sort((a, b) => a - b);
  if (s.episode === 'best') {
    const scored = [...log.envs.values()].flat().filter((e) => e.score !== undefined);
    if (scored.length === 0) throw new ConfigError('GBS_ERR_NO_SUCH_EPISODE', '--episode best: no episode has a score (VectorEnv.mark_episode(i, score) sets one)');
    const best = scored.reduce((a, b) => (b.score! > a.score! ? b : a));
    return new Map([[best.env, [best]]]);
  }
  if (s.episode) {
    const { env, index } = s.episode;
    const list = log.envs.get(env);
    if (!list) throw new ConfigError(ErrorCode.NoSuchEnv, `no env ${env} in the input log; it has envs ${envs.join(', ')}`);
    const e = list[index];
    if (!e) throw new ConfigError('GBS_ERR_NO_SUCH_EPISODE', `env ${env} has episodes 0–${list.length - 1}, not ${index}`);
    return new Map([[env, [e]]]);
  }
  if (s.grid) return new Map(envs.map((env) => [env, log.envs.get(env)!]));
  const env = s.env ?? envs[0]!;
  const list = log.envs.get(env);
  if (!list) throw new ConfigError(ErrorCode.NoSuchEnv, `no env ${env} in the input log; it has envs ${envs.join(', ')}`);
  return new Map([[env, list]]);
}

/** Frame range (0-based positions in an env's selected frames) for `--from`/`--to`. */
export function positionRange(total: number, fromS?: number, toS?: number): [number, number] {
  const first = fromS === undefined ? 0 : Math.ceil(fromS * GB_FRAME_RATE);
  const last = toS === undefined ? total - 1 : Math.min(total - 1, Math.floor(toS * GB_FRAME_RATE));
  return [first, last];
}

/** Re-renders one env's selected episodes, positions `first`..`last` of their frames. */
export async function* envFrames(rom: Uint8Array, episodes: readonly Episode[], first: number, last: number): AsyncGenerator<SelectedFrame> {
  const r = new Rerenderer(rom);
  try {
    let at = 0;
    for (const e of episodes) {
      const n = episodeFrames(e);
      if (at + n > first && at <= last) {
        const from = e.startFrame + 1 + Math.max(0, first - at);
        const to = e.startFrame + Math.min(n, last - at + 1);
        for await (const f of r.frames(e, from, to)) yield f;
      }
      at += n;
      if (at > last) break;
    }
  } finally {
    r.close();
  }
}

/** Grid geometry for `n` tiles: columns and rows, as square as possible. */
export function gridOf(n: number): { cols: number; rows: number; width: number; height: number } {
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  return { cols, rows, width: cols * SCREEN_WIDTH, height: rows * SCREEN_HEIGHT };
}

/**
 * Every env side by side: picture k of the grid holds each env's k-th selected frame (an env
 * that has ended keeps its last picture). Yields the grid's RGB bytes.
 */
export async function* gridFrames(rom: Uint8Array, selected: Map<number, Episode[]>, fromS?: number, toS?: number): AsyncGenerator<Uint8Array> {
  const envs = [...selected.keys()];
  const { cols, width, height } = gridOf(envs.length);
  const totals = envs.map((env) => selected.get(env)!.reduce((n, e) => n + episodeFrames(e), 0));
  const longest = Math.max(0, ...totals);
  const [first, last] = positionRange(longest, fromS, toS);
  const sources = envs.map((env, i) => envFrames(rom, selected.get(env)!, first, Math.min(last, totals[i]! - 1)));
  const out = new Uint8Array(width * height * 3);
  try {
    for (let k = first; k <= last; k++) {
      for (let i = 0; i < sources.length; i++) {
        const next = await sources[i]!.next();
        if (next.done) continue;
        const x0 = (i % cols) * SCREEN_WIDTH;
        const y0 = Math.floor(i / cols) * SCREEN_HEIGHT;
        for (let y = 0; y < SCREEN_HEIGHT; y++) {
          out.set(next.value.rgb.subarray(y * SCREEN_WIDTH * 3, (y + 1) * SCREEN_WIDTH * 3), ((y0 + y) * width + x0) * 3);
        }
      }
      yield out;
    }
  } finally {
    for (const s of sources) await s.return(undefined);
  }
}
