/**
 * `gbstream export FILE --mp4 OUT.mp4 | --gif OUT.gif [--env N | --grid] [--episode ENV:K | best]
 * [--from T] [--to T] [--scale K] [--fps N] [--lossless]`, and `--png DIR` of an input recording
 * (with `--rom`): video through ffmpeg, and re-rendered frames. Without `--rom` a video is made of
 * the recorded frames (at the recording's fps); with it, of every emulated frame re-rendered from
 * the input log (at 60 fps by default). `--grid` and `--episode` work on both (a frame
 * recording's episodes come from its input log: `--record-mode both`).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import sharp, { type Sharp } from 'sharp';
import { ConfigError } from '../config-error.js';
import { ErrorCode, SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import { selectFrames, frameImage } from '../record/export.js';
import { episodeFrameEntries, gridEntries, namedEpisode } from '../record/frame-video.js';
import { openRecording, type FrameEntry } from '../record/index.js';
import { envFrames, gridFrames, gridOf, parseEpisode, positionRange, selectEpisodes, type InputSelection } from '../record/inputs/input-frames.js';
import { episodeFrames, type Episode } from '../record/inputs/input-log-index.js';
import { checkReplayable, inputLogOf, openInputLog } from '../record/inputs/verify.js';
import { findFfmpeg, VideoWriter, type VideoFormat } from '../record/video-export.js';
import { loadRomFile } from '../rom/load.js';
import { parseFps } from './options.js';

export interface VideoFlags {
  png?: string;
  mp4?: string;
  gif?: string;
  rom?: string;
  env?: number;
  grid?: boolean;
  episode?: InputSelection['episode'];
  from?: number;
  to?: number;
  scale: number;
  fps?: number;
  lossless?: boolean;
}

type Progress = (done: number, total: number) => void;

function parseEnv(value: string): number {
  if (!/^\s*\d+\s*$/.test(value)) throw new ConfigError(ErrorCode.NoSuchEnv, `Expected \`env\` to be an env number, got \`${value}\`.`);
  return Number(value);
}

/** Adds the video and input-log options to `export` (leaving an `--env` someone added alone). */
export function addVideoOptions(cmd: Command): Command {
  cmd.addOption(new Option('--mp4 <file>', 'write an MP4 video (H.264; ffmpeg)'));
  cmd.addOption(new Option('--gif <file>', 'write an animated GIF (ffmpeg palettegen/paletteuse)'));
  cmd.addOption(new Option('--rom <file>', 'input recording: re-render every emulated frame from the input log with this ROM'));
  if (!cmd.options.some((o) => o.long === '--env')) cmd.addOption(new Option('--env <n>', 'which env (default: the first)').argParser(parseEnv));
  cmd.addOption(new Option('--grid', 'tile every env into one video (a frame recording: each env\'s newest frame at each video frame\'s time)'));
  cmd.addOption(new Option('--episode <env:k|best>', 'one episode (K-th of env ENV), or the best-scored; a frame recording needs an input log beside its frames (--record-mode both)').argParser(parseEpisode));
  cmd.addOption(new Option('--fps <n>', 'video frames per second (default: the recording\'s fps; 60 for an input recording)').argParser(parseFps));
  cmd.addOption(new Option('--lossless', 'MP4: keep every pixel (libx264rgb -crf 0)'));
  return cmd;
}

/** Handles the request when it is a video or an input-log export; false: the frame PNG/contact-sheet export's. */
export async function exportVideo(file: string, flags: VideoFlags, progress: (label: string) => Progress): Promise<boolean> {
  const video = flags.mp4 !== undefined ? { format: 'mp4' as VideoFormat, out: flags.mp4 } : flags.gif !== undefined ? { format: 'gif' as VideoFormat, out: flags.gif } : undefined;
  if (flags.mp4 !== undefined && flags.gif !== undefined) throw new ConfigError('GBS_ERR_EXPORT', 'give one of --mp4 and --gif');
  if (flags.rom === undefined && video === undefined) {
    if (flags.grid || flags.episode) throw new ConfigError('GBS_ERR_EXPORT', '--grid and --episode make a video (--mp4/--gif) or, with --rom, re-rendered PNGs (--png DIR)');
    return false;
  }
  if (video) findFfmpeg(); // before any work
  if (video && existsSync(video.out)) throw new ConfigError('GBS_ERR_EXPORT', `"${video.out}" exists; gbstream does not overwrite it`);
  if (flags.rom !== undefined) await fromInputs(file, flags, flags.rom, video, progress);
  else await fromFrames(file, flags, video!, progress);
  return true;
}

async function fromInputs(file: string, flags: VideoFlags, romPath: string, video: { format: VideoFormat; out: string } | undefined, progress: (label: string) => Progress): Promise<void> {
  const log = await openInputLog(file);
  for (const issue of log.issues) process.stderr.write(`gbstream: warning: ${issue.message}\n`);
  const rom = (await loadRomFile(romPath, { force: true })).bytes;
  checkReplayable(log, rom, romPath);
  const selected = selectEpisodes(log, { env: flags.env, grid: flags.grid, episode: flags.episode });
  if (flags.png === undefined && video === undefined) throw new ConfigError('GBS_ERR_EXPORT', 'nothing to export: give --png DIR, --mp4 FILE or --gif FILE');
  if (flags.png !== undefined) {
    await mkdir(flags.png, { recursive: true });
    let written = 0;
    for (const [env, episodes] of selected) {
      const total = episodes.reduce((n, e) => n + episodeFrames(e), 0);
      const [first, last] = positionRange(total, flags.from, flags.to);
      const named = pngNamer(env, episodes);
      const tick = progress(`env ${env}`);
      for await (const f of envFrames(rom, episodes, first, last)) {
        await pngOf(f.rgb, SCREEN_WIDTH, SCREEN_HEIGHT, flags.scale).toFile(join(flags.png, named(f.episode, f.frame)));
        tick(++written, last - first + 1);
      }
    }
    process.stdout.write(`gbstream: wrote ${written} PNG files to ${flags.png}\n`);
  }
  if (video) {
    const grid = selected.size > 1 ? gridOf(selected.size) : { width: SCREEN_WIDTH, height: SCREEN_HEIGHT };
    const writer = new VideoWriter({ ...video, width: grid.width, height: grid.height, fps: flags.fps ?? 60, scale: flags.scale, lossless: flags.lossless ?? false });
    const [env, episodes] = [...selected][0]!;
    const frames = selected.size > 1 ? gridFrames(rom, selected, flags.from, flags.to) : (async function* () {
      const total = episodes.reduce((n, e) => n + episodeFrames(e), 0);
      const [first, last] = positionRange(total, flags.from, flags.to);
      for await (const f of envFrames(rom, episodes, first, last)) yield f.rgb;
    })();
    let n = 0;
    const tick = progress(`${video.format} env ${selected.size > 1 ? 'grid' : env}`);
    for await (const rgb of frames) {
      await writer.write(rgb);
      if (++n % 600 === 0) tick(n, n);
    }
    await writer.finish();
    process.stdout.write(`gbstream: wrote ${n} frames to ${video.out}\n`);
  }
}

async function fromFrames(file: string, flags: VideoFlags, video: { format: VideoFormat; out: string }, progress: (label: string) => Progress): Promise<void> {
  if (flags.grid && flags.episode) throw new ConfigError('GBS_ERR_EXPORT', 'give one of --grid and --episode');
  const recording = await openRecording(file);
  try {
    const { index } = recording;
    const all = index.frames;
    const range = { fromMs: flags.from === undefined ? undefined : flags.from * 1000, toMs: flags.to === undefined ? undefined : flags.to * 1000 };
    const fps = flags.fps ?? index.hello.fps;
    const envIds = [...new Set(all.map((f) => f.env))].sort((a, b) => a - b);
    if (flags.grid) {
      const frames = selectFrames(all, range);
      if (frames.length === 0) throw new ConfigError('GBS_ERR_EXPORT', `no frames in that range (the recording is ${(index.durationMs / 1000).toFixed(1)} s long)`);
      const grid = gridOf(envIds.length);
      const writer = new VideoWriter({ ...video, width: grid.width, height: grid.height, fps, scale: flags.scale, lossless: flags.lossless ?? false });
      const out = new Uint8Array(grid.width * grid.height * 3);
      const shown = new Map<number, number>(); // env → offset of the frame in its tile
      const tick = progress(`${video.format} grid`);
      let n = 0;
      for (const pictures of gridEntries(frames, envIds, fps)) {
        for (let i = 0; i < pictures.length; i++) {
          const entry = pictures[i];
          if (!entry || shown.get(entry.env) === entry.offset) continue;
          shown.set(entry.env, entry.offset);
          placeTile(out, grid, i, await rgbOf(await frameImage(recording, entry)));
        }
        await writer.write(out);
        if (++n % 100 === 0) tick(n, n);
      }
      await writer.finish();
      process.stdout.write(`gbstream: wrote ${n} frames of ${envIds.length} envs to ${video.out}\n`);
      return;
    }
    let frames: FrameEntry[];
    if (flags.episode) {
      const log = await inputLogOf(file, index);
      const episode = namedEpisode(log, file, flags.episode);
      frames = selectFrames(episodeFrameEntries(index.entries, all, log!, episode), range);
      if (frames.length === 0) throw new ConfigError('GBS_ERR_NO_SUCH_EPISODE', `episode ${episode.index} of env ${episode.env} has no recorded frames${flags.from !== undefined || flags.to !== undefined ? ' in that range' : ''} (--rom ROM re-renders every frame of it from the input log)`);
    } else {
      const env = flags.env ?? all[0]?.env ?? 0;
      frames = selectFrames(all.filter((f) => f.env === env), range);
      if (frames.length === 0) throw new ConfigError(ErrorCode.NoSuchEnv, `no frames of env ${env} in that range (envs with frames: ${envIds.join(', ') || 'none'})`);
    }
    const writer = new VideoWriter({ ...video, width: SCREEN_WIDTH, height: SCREEN_HEIGHT, fps, scale: flags.scale, lossless: flags.lossless ?? false });
    const tick = progress(video.format);
    let n = 0;
    for (const entry of frames) {
      await writer.write(await rgbOf(await frameImage(recording, entry)));
      tick(++n, frames.length);
    }
    await writer.finish();
    process.stdout.write(`gbstream: wrote ${n} frames to ${video.out}\n`);
  } finally {
    await recording.close();
  }
}

/** A recorded frame's image as 160×144 RGB (another size is scaled to fit, nearest neighbour). */
async function rgbOf(image: Uint8Array): Promise<Buffer> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width === SCREEN_WIDTH && info.height === SCREEN_HEIGHT) return data;
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).resize(SCREEN_WIDTH, SCREEN_HEIGHT, { fit: 'fill', kernel: 'nearest' }).raw().toBuffer();
}

/** Copies a 160×144 RGB tile into grid cell `i`. */
function placeTile(out: Uint8Array, grid: { cols: number; width: number }, i: number, rgb: Uint8Array): void {
  const x0 = (i % grid.cols) * SCREEN_WIDTH;
  const y0 = Math.floor(i / grid.cols) * SCREEN_HEIGHT;
  for (let y = 0; y < SCREEN_HEIGHT; y++) out.set(rgb.subarray(y * SCREEN_WIDTH * 3, (y + 1) * SCREEN_WIDTH * 3), ((y0 + y) * grid.width + x0) * 3);
}

function pngOf(rgb: Uint8Array, width: number, height: number, scale: number): Sharp {
  const image = sharp(rgb, { raw: { width, height, channels: 3 } });
  return (scale === 1 ? image : image.resize(width * scale, height * scale, { kernel: 'nearest' })).png();
}

/**
 * `env<E>-f<FRAME>.png`, FRAME being the live frame record's number; when the env's selected
 * episodes repeat frame numbers (a reset starts again at 0), `env<E>-e<K>-f<FRAME>.png`.
 */
function pngNamer(env: number, episodes: readonly Episode[]): (episode: number, frame: number) => string {
  const sorted = [...episodes].sort((a, b) => a.startFrame - b.startFrame);
  const overlap = sorted.some((e, i) => i > 0 && e.startFrame < sorted[i - 1]!.endFrame);
  return (episode, frame) => (overlap ? `env${env}-e${episode}-f${frame}.png` : `env${env}-f${frame}.png`);
}
