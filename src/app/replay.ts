/**
 * `gbstream replay` (and the library's `replay()`): the site with a recording as its source — the
 * live server's twin. The same `/api/*` answer from the playback position; frames go out byte for
 * byte as recorded, through the same broadcaster (so backpressure applies). Playback waits for
 * the first viewer (or `autoplay`). Every client may steer playback (a replay is a read-only file,
 * so `pause`/`resume`/`speed`/`seek` are harmless); nothing takes input.
 */
import { basename } from 'node:path';
import type { Logger } from '../log.js';
import type { Recording } from '../record/index.js';
import type { Player } from '../replay/player.js';
import type { StreamServer } from '../server/server.js';
import { openRecordingSource } from '../sources/recording-source.js';
import { layoutOfRecording } from './map.js';
import { startSite } from './site.js';

export interface ReplayOptions {
  file: string;
  port: number;
  host: string;
  speed: number;
  loop: boolean;
  /** Play at once instead of waiting for the first viewer. */
  autoplay?: boolean;
  log: Logger;
  webRoot?: string;
  allowOrigins?: readonly string[];
}

export interface Replaying {
  server: StreamServer;
  player: Player;
  recording: Recording;
  stop(): Promise<void>;
}

/** JPEG quality of frames transcoded for HTTP readers of a PNG recording's /api/frame.jpg. */
const REPLAY_QUALITY = 80;

export async function replay(options: ReplayOptions): Promise<Replaying> {
  const { log } = options;
  const source = await openRecordingSource(options);
  const { recording } = source;
  // Map outlines for the viewer; the positions themselves are in the recording.
  const layout = await layoutOfRecording(recording);
  const { envs: _envs, envList: _envList, ...recorded } = source.hello;
  const site = await startSite({
    ...options,
    control: { mode: 'open' },
    sources: [source],
    fps: recorded.fps,
    quality: REPLAY_QUALITY,
    map: { recorded: layout, positions: () => source.positions },
    hello: () => ({ ...recorded, site: { kind: 'replay', name: basename(options.file) }, replay: source.replayInfo() }),
  });
  const { index } = recording;
  log.info({ file: options.file, rom: index.hello.rom.title, frames: index.frames.length, durationMs: index.durationMs, speed: options.speed, loop: options.loop, autoplay: options.autoplay ?? false }, 'replaying');
  return { server: site.server, player: source.player, recording, stop: site.stop };
}
