/**
 * Video out of raw RGB frames, through Debian's `ffmpeg` found on PATH (DESIGN §14): raw rgb24 on
 * stdin, nearest-neighbour scaling, MP4 (H.264; `--lossless`: `libx264rgb -crf 0`, every pixel
 * kept) or GIF (`palettegen`/`paletteuse`, no dithering: Game Boy pictures have few colours).
 *
 * `ffmpegArgs` is pure (unit-tested); `VideoWriter` spawns ffmpeg and writes frames to it with
 * backpressure (it waits for stdin to drain), so a long export holds one frame in memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ConfigError } from '../config-error.js';

export type VideoFormat = 'mp4' | 'gif';

export interface VideoSpec {
  format: VideoFormat;
  out: string;
  /** Size of the frames written (before scaling). */
  width: number;
  height: number;
  fps: number;
  /** Integer nearest-neighbour scale. */
  scale: number;
  /** MP4 only: keep every pixel (libx264rgb, crf 0). */
  lossless: boolean;
}

/** The ffmpeg command line (without the program) for `spec`, reading raw rgb24 from stdin. */
export function ffmpegArgs(spec: VideoSpec): string[] {
  const input = ['-hide_banner', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${spec.width}x${spec.height}`, '-r', String(spec.fps), '-i', '-'];
  const scale = spec.scale === 1 ? undefined : `scale=iw*${spec.scale}:ih*${spec.scale}:flags=neighbor`;
  if (spec.format === 'gif') {
    const chain = [scale, 'split[a][b]'].filter(Boolean).join(',');
    return [...input, '-filter_complex', `[0:v]${chain};[a]palettegen=max_colors=256:stats_mode=full[p];[b][p]paletteuse=dither=none`, '-loop', '0', '-f', 'gif', '-y', spec.out];
  }
  const filters = scale ? ['-vf', scale] : [];
  const codec = spec.lossless ? ['-c:v', 'libx264rgb', '-crf', '0', '-preset', 'veryfast'] : ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '18', '-preset', 'veryfast'];
  return [...input, ...filters, ...codec, '-movflags', '+faststart', '-f', 'mp4', '-y', spec.out];
}

/**
 * The `ffmpeg` executable on PATH.
 * @throws ConfigError(GBS_ERR_FFMPEG_MISSING) naming the Debian package when there is none.
 */
export function findFfmpeg(path = process.env['PATH'] ?? ''): string {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'ffmpeg');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new ConfigError('GBS_ERR_FFMPEG_MISSING', 'video export needs ffmpeg, which is not on PATH (Debian: apt install ffmpeg)');
}

/** One ffmpeg process fed frame by frame. */
export class VideoWriter {
  readonly #child: ChildProcess;
  readonly #done: Promise<void>;
  readonly #frameBytes: number;
  #stderr = '';
  #failed: Error | undefined;

  constructor(spec: VideoSpec, ffmpeg = findFfmpeg()) {
    this.#frameBytes = spec.width * spec.height * 3;
    this.#child = spawn(ffmpeg, ffmpegArgs(spec), { stdio: ['pipe', 'ignore', 'pipe'] });
    this.#child.stderr!.on('data', (d: Buffer) => (this.#stderr = (this.#stderr + d.toString()).slice(-2000)));
    this.#child.stdin!.on('error', (err) => (this.#failed ??= err));
    this.#done = new Promise((resolve, reject) => {
      this.#child.on('error', (err) => reject(new ConfigError('GBS_ERR_EXPORT', `ffmpeg did not start: ${err.message}`)));
      this.#child.on('close', (code) => {
        if (code === 0) resolve();
        else reject(new ConfigError('GBS_ERR_EXPORT', `ffmpeg failed (exit ${code}): ${this.#stderr.trim().split('\n').slice(-3).join(' / ') || 'no message'}`));
      });
    });
    this.#done.catch(() => undefined); // reported by finish()
  }

  /** Writes one frame (width × height × 3 bytes); waits while ffmpeg's stdin is full. */
  async write(rgb: Uint8Array): Promise<void> {
    if (rgb.length !== this.#frameBytes) throw new Error(`a frame of ${rgb.length} bytes; expected ${this.#frameBytes}`);
    if (this.#failed) return;
    // Copied: the caller's buffer (an emulator's screen) changes on its next frame.
    if (!this.#child.stdin!.write(Buffer.from(rgb))) {
      await Promise.race([new Promise((r) => this.#child.stdin!.once('drain', r)), this.#done.catch(() => undefined)]);
    }
  }

  /** Ends the input and waits for ffmpeg to finish. @throws ConfigError when ffmpeg failed. */
  async finish(): Promise<void> {
    this.#child.stdin!.end();
    await this.#done;
  }
}
