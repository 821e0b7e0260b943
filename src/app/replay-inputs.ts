/**
 * `gbstream replay FILE --rom ROM`: the site with an input-log recording as its source — every
 * env re-emulated on its recorded core and served like a live server's (same viewer, `/api/*`,
 * `/ws` frames, state, `stats.playback`, pause/resume/speed/seek). See sources/input-log-source.ts.
 */
import { basename } from 'node:path';
import type { EncoderKind } from '../encode/select-encoder.js';
import type { Logger } from '../log.js';
import type { FrameFormat } from '../protocol/messages.js';
import { romSha1 } from '../record/inputs/rerender.js';
import { openInputLogSource, type InputLogSource } from '../sources/input-log-source.js';
import { startSite, type SiteHandle } from './site.js';

export interface InputReplayOptions {
  file: string;
  rom: string;
  port: number;
  host: string;
  /** Frames per second the focused env is sent at, at most (1–60). */
  fps: number;
  speed: number;
  loop: boolean;
  autoplay?: boolean;
  format?: FrameFormat;
  /** JPEG quality of the frames and of HTTP transcodes. */
  quality?: number;
  encoder?: EncoderKind;
  log: Logger;
  webRoot?: string;
  allowOrigins?: readonly string[];
  /** Monotonic ms for the playback clock (tests). */
  now?: () => number;
}

export interface InputReplaying extends SiteHandle {
  source: InputLogSource;
}

export async function replayInputs(options: InputReplayOptions): Promise<InputReplaying> {
  const quality = options.quality ?? 80;
  const source = await openInputLogSource({ ...options, quality });
  const { envs: _envs, envList: _envList, ...recorded } = source.hello;
  const site = await startSite({
    ...options,
    control: { mode: 'open' },
    sources: [source],
    quality,
    // Positions come from the re-rendered frames' state, as on the live server.
    map: { live: { memoryMap: source.map, rom: { bytes: source.romBytes, sha1: romSha1(source.romBytes) } } },
    hello: () => ({
      ...recorded,
      fps: options.fps,
      encoder: source.encoder.name,
      format: source.encoder.format,
      site: { kind: 'replay', name: basename(options.file) },
      replay: source.replayInfo(),
    }),
  });
  options.log.info({ file: options.file, rom: recorded.rom.title, envs: source.slots(), durationMs: Math.round(source.clock.durationMs), fps: options.fps, speed: options.speed, format: source.encoder.format }, 'replaying an input log');
  return { server: site.server, recorder: site.recorder, stop: site.stop, source };
}
