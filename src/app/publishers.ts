/**
 * The publisher side of a server, as `serve` and `hub` both attach it: a Hub whose envs are
 * numbered after the server's own, fed into the same fan-out; demand from the server's viewers,
 * the recorder and MJPEG readers; `states` records; and the pieces of hello, stats and metrics
 * that change as publishers come and go.
 */
import { selectEncoder, type EncoderKind } from '../encode/select-encoder.js';
import type { EncoderOptions, FrameEncoder } from '../encode/encoder.js';
import { DEFAULT_STATE_FPS } from '../hub/demand.js';
import { demandInputs, startStatesFeed, StreamReaders } from '../hub/feeds.js';
import { Hub } from '../hub/hub.js';
import type { Logger } from '../log.js';
import { SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import type { EnvInfo, FrameFormat, StatesMessage } from '../protocol/messages.js';
import type { RecordSink } from '../protocol/sink.js';
import { tokenChecker, type ControlPolicy } from '../server/control.js';
import type { StreamServer } from '../server/server.js';
import type { LatestFrames } from '../store/latest-frames.js';

export interface PublisherSideOptions {
  /** The server's own envs (ids 0..localCount-1). */
  localCount: number;
  /** Frames per second asked of publishers for watched envs. */
  fps: number;
  quality: number;
  encoder: EncoderKind;
  /** Image format raw published frames are encoded to (the server's `--format`); default jpeg. */
  format?: FrameFormat;
  stateFps?: number;
  maxEnvs?: number;
  control: ControlPolicy;
  log: Logger;
  sink: RecordSink;
  latest: LatestFrames;
  server(): StreamServer | undefined;
  recording(): boolean;
  progress(values: Record<string, number>, source: string): void;
  observeEncode?(seconds: number): void;
  /** Publisher heartbeat (tests shorten it). */
  heartbeatMs?: number;
}

export interface EnvNumbers {
  env: number;
  fps: number;
  emuFps: number;
  speed: number;
  published: number;
}

export class PublisherSide {
  readonly hub: Hub;
  readonly readers = new StreamReaders();
  readonly #o: PublisherSideOptions;
  readonly #encoder: FrameEncoder;
  #stopStates: (() => void) | undefined;

  constructor(o: PublisherSideOptions) {
    this.#o = o;
    const local = Array.from({ length: o.localCount }, (_, env) => ({ label: `env ${env}`, source: 'local' as const, live: true, width: SCREEN_WIDTH, height: SCREEN_HEIGHT }));
    this.hub = new Hub({
      local,
      encoder: (this.#encoder = lazyEncoder(o.encoder, { quality: o.quality, format: o.format }, o.log)),
      log: o.log,
      openControl: o.control.mode === 'open',
      checkToken: tokenChecker(o.control),
      stateFps: o.stateFps ?? DEFAULT_STATE_FPS,
      maxPublishedEnvs: o.maxEnvs,
      progress: o.progress,
      observeEncode: o.observeEncode,
      heartbeatMs: o.heartbeatMs,
      sink: o.sink,
      demandInputs: demandInputs(o.fps, () => o.server()?.broadcaster, o.recording, this.readers),
    });
  }

  /** The encoder of raw published frames (made now if not yet: a bad `--encoder` fails here). */
  get encoderName(): string {
    return this.#encoder.name;
  }

  /** Env slots, local and published (highest id + 1). */
  get count(): number {
    return this.hub.table.count;
  }

  /** The env list for hello, once envs can differ from 0..localCount-1 (a publisher came). */
  envList(): EnvInfo[] | undefined {
    return this.hub.table.count > this.#o.localCount || this.#o.localCount === 0 ? this.hub.table.list() : undefined;
  }

  /** Numbers of the live published envs, shaped like local env stats. */
  envStats(): EnvNumbers[] {
    return this.hub.stats().map(({ env, fps, emuFps, speed, published }) => ({ env, fps, emuFps, speed, published }));
  }

  /** Starts sending `states` (local envs from the latest-frame store, published from the hub). */
  start(broadcaster: StreamServer['broadcaster']): void {
    const local = (): StatesMessage['envs'] =>
      Array.from({ length: this.#o.localCount }, (_, env) => this.#o.latest.get(env)).flatMap((f) => (f ? [{ env: f.env, frame: f.frame, ts: f.ts, state: f.state }] : []));
    this.#stopStates = startStatesFeed(broadcaster, () => [...local(), ...this.hub.states()]);
  }

  close(): void {
    this.#stopStates?.();
    this.hub.close();
  }
}

/** The main thread's encoder for raw published frames, made on the first one (no warning before). */
function lazyEncoder(kind: EncoderKind, options: EncoderOptions, log: Logger): FrameEncoder {
  let encoder: FrameEncoder | undefined;
  const get = () => (encoder ??= selectEncoder(kind, options, (msg) => log.warn(msg)));
  return {
    get name() {
      return get().name;
    },
    get format() {
      return get().format;
    },
    encode: (pixels, width, height, channels) => get().encode(pixels, width, height, channels),
  };
}
