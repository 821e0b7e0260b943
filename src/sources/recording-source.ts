/**
 * A recording as a source (`gbstream replay`): its frames go into the site's fan-out byte for byte
 * as recorded (so the latest-frame store, `/api/*`, MJPEG and viewers answer from the playback
 * position, as on the live server), paced by their recorded `ts`. Playback waits for the first
 * viewer unless `autoplay`; until then the store holds each env's first frame. Its envs take no
 * input and have no emulator; time can be moved (pause, resume, speed, seek).
 */
import { basename } from 'node:path';
import { ConfigError } from '../config-error.js';
import type { Logger } from '../log.js';
import { EventCode, SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { EventMessage, FrameMessage, HelloMessage, ReplayInfo, ServerMessage } from '../protocol/messages.js';
import { isInputLogType } from '../protocol/input-log.js';
import { decodeRecords } from '../protocol/record.js';
import { openRecording, type IndexEntry, type Recording } from '../record/index.js';
import { runReplayCommand } from '../replay/commands.js';
import { Player } from '../replay/player.js';
import { RecordedPositions } from '../replay/positions.js';
import { RECORDED_CAN, type EnvNumbers, type EnvSource, type SiteContext, type SourceEnv } from './source.js';

export interface RecordingSourceOptions {
  file: string;
  speed: number;
  loop: boolean;
  /** Start playing at once instead of at the first viewer. */
  autoplay?: boolean;
  log: Logger;
}

/** @throws ConfigError when the file is not a recording or holds no frames. */
export async function openRecordingSource(o: RecordingSourceOptions): Promise<RecordingSource> {
  const recording = await openRecording(o.file);
  const { index } = recording;
  for (const issue of index.issues) o.log.warn({ offset: issue.offset }, issue.message);
  if (index.frames.length === 0) {
    await recording.close();
    const inputs = index.entries.some((e) => isInputLogType(e.type));
    throw new ConfigError('GBS_ERR_EMPTY_RECORDING', `"${o.file}" holds no frames to replay${inputs ? '; it holds an input log: replay it with --rom ROM' : ''}`);
  }
  // Each env's first frame, for HTTP readers before playback starts.
  const first = new Map<number, { bytes: Uint8Array; message: FrameMessage }>();
  try {
    for (const entry of index.frames) {
      if (first.has(entry.env)) continue;
      const bytes = await recording.read(entry);
      first.set(entry.env, { bytes, message: decodeRecords(bytes)[0] as unknown as FrameMessage });
    }
  } catch (err) {
    await recording.close();
    throw err;
  }
  return new RecordingSource(o, recording, first);
}

export class RecordingSource implements EnvSource {
  readonly kind = 'recording';
  readonly can = RECORDED_CAN;
  readonly recording: Recording;
  readonly player: Player;
  /** The Map view at the playback position (`GET /api/map`). */
  readonly positions = new RecordedPositions();
  /** The recorded hello, without the per-client `control` and with the env list a hub recording announced later. */
  readonly hello: Omit<HelloMessage, 'control'>;
  readonly #o: RecordingSourceOptions;
  readonly #first: ReadonlyMap<number, { bytes: Uint8Array; message: FrameMessage }>;
  readonly #slots: number;
  readonly #sentByEnv = new Map<number, number>();
  readonly #fps = new Map<number, number>();
  #lastCount = new Map<number, number>();
  #fpsTimer: NodeJS.Timeout | undefined;
  #site: SiteContext | undefined;

  constructor(o: RecordingSourceOptions, recording: Recording, first: ReadonlyMap<number, { bytes: Uint8Array; message: FrameMessage }>) {
    this.#o = o;
    this.recording = recording;
    this.#first = first;
    const { index } = recording;
    const { control: _recorded, ...recordedHello } = index.hello;
    // A recording of a hub starts before any publisher came: its env list is in the env-set events.
    const envsEvent = [...index.events].reverse().find((e) => e.code === EventCode.EnvsChanged && e.envs);
    this.hello = {
      ...recordedHello,
      ...(envsEvent?.envs && { envs: Math.max(recordedHello.envs, envsEvent.count ?? envsEvent.envs.length), envList: envsEvent.envs.map((e) => ({ ...e, live: true })) }),
    };
    this.#slots = index.frames.reduce((n, f) => Math.max(n, f.env + 1), Math.max(1, this.hello.envs));
    this.player = new Player({
      entries: index.entries,
      speed: o.speed,
      loop: o.loop,
      read: (entry) => recording.read(entry),
      send: (entry, bytes) => this.#send(entry, bytes),
      onEnd: () => this.#site?.control({ type: 'event', ts: Date.now(), level: 'info', code: EventCode.ReplayEnd, message: 'end of the recording; seek or resume to play again' }),
      onError: (err) => o.log.error({ err }, 'replay read failed'),
    });
  }

  /** What hello says about the recording now (the seek bar, the speed selector). */
  replayInfo(): ReplayInfo {
    const { index } = this.recording;
    return { durationMs: index.durationMs, frames: index.frames.length, startTs: index.startTs, speed: this.player.speed, playing: !this.player.paused && !this.player.ended };
  }

  envs(): SourceEnv[] {
    const listed = new Map((this.hello.envList ?? []).map((e) => [e.env, e]));
    return Array.from({ length: this.#slots }, (_, env) => ({ ...(listed.get(env) ?? { env, label: `env ${env}`, source: 'local' as const, live: true, width: SCREEN_WIDTH, height: SCREEN_HEIGHT }), can: RECORDED_CAN }));
  }

  slots(): number {
    return this.#slots;
  }

  start(site: SiteContext): void {
    this.#site = site;
    for (const { bytes, message } of this.#first.values()) site.sink.frame(bytes, message);
    this.#fpsTimer = setInterval(() => {
      for (const [env, n] of this.#sentByEnv) this.#fps.set(env, n - (this.#lastCount.get(env) ?? 0));
      this.#lastCount = new Map(this.#sentByEnv);
    }, 1000);
    this.#fpsTimer.unref();
    if (this.#o.autoplay) this.player.cue();
  }

  viewerJoined(): void {
    if (this.player.cue()) this.#o.log.info('first viewer: playback starts');
  }

  input(): Promise<void> {
    return Promise.reject(new GbsError(ErrorCode.Unsupported, 'a replay takes no input; its commands are pause, resume, speed and seek'));
  }

  command(_env: number, name: string, args: Record<string, unknown>): void {
    runReplayCommand(this.player, this.recording.index.durationMs, name, args);
    // Positions played before the seek no longer hold; the next keyframe brings the map back.
    if (name === 'seek') this.positions.clear();
  }

  stats(): EnvNumbers[] {
    return [...this.#sentByEnv.keys()].sort((a, b) => a - b).map((env) => ({ env, fps: this.#fps.get(env) ?? 0, emuFps: 0, speed: this.player.speed, published: this.#sentByEnv.get(env) ?? 0 }));
  }

  playback() {
    const { startTs } = this.recording.index;
    return { ts: startTs + this.player.positionMs, speed: this.player.speed, paused: this.player.paused || this.player.ended };
  }

  health(): Record<string, unknown> {
    return { file: basename(this.#o.file), positionMs: Math.round(this.player.positionMs), durationMs: this.recording.index.durationMs, playing: this.replayInfo().playing };
  }

  async close(): Promise<void> {
    clearInterval(this.#fpsTimer);
    this.player.stop();
    this.#site = undefined;
    await this.recording.close();
  }

  /** Frames into the fan-out as recorded; every other record to viewers as the message it is. */
  #send(entry: IndexEntry, bytes: Uint8Array): void {
    const site = this.#site;
    if (!site) return;
    let message: ServerMessage;
    try {
      message = decodeRecords(bytes)[0] as unknown as ServerMessage;
    } catch (err) {
      this.#o.log.warn({ err, offset: entry.offset }, 'replay: a record that does not decode is skipped');
      return;
    }
    if (message.type === 'frame') {
      this.#sentByEnv.set(message.env, (this.#sentByEnv.get(message.env) ?? 0) + 1);
      site.sink.frame(bytes, message);
    } else if (message.type === 'event') {
      site.sink.event(message as EventMessage);
    } else if (message.type === 'positions') {
      this.positions.apply(message);
      site.control(message);
    } else if (message.type === 'progress') {
      site.progress(message.values, message.source ?? 'recording');
    } else {
      site.control(message);
    }
  }
}
