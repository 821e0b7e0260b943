/**
 * Publishers as a source: trainers elsewhere (running their own emulators) connect to `/ws` with
 * the publisher subprotocol and announce envs; the Hub (hub/hub.ts) numbers them after the ids
 * below `firstEnv`, turns their frames into `frame` records and asks each publisher for pixels only
 * of the envs someone wants (the site's demand: viewers, the recorder, MJPEG readers).
 * Their envs take no input here, and their rate is a state rate, not an emulator speed.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import type { EncoderOptions, FrameEncoder } from '../encode/encoder.js';
import { selectEncoder, type EncoderKind } from '../encode/select-encoder.js';
import { DEFAULT_STATE_FPS } from '../hub/demand.js';
import { Hub } from '../hub/hub.js';
import type { Logger } from '../log.js';
import { ErrorCode, MAX_PUBLISHER_MESSAGE_BYTES, PUBLISHER_SUBPROTOCOL, SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { FrameFormat } from '../protocol/messages.js';
import { closeSockets } from '../server/close-sockets.js';
import { tokenChecker, type ControlPolicy } from '../server/control.js';
import { WS_PATH } from '../server/server.js';
import { LateSink } from './late-sink.js';
import { PUBLISHED_CAN, type EnvNumbers, type EnvSource, type SiteContext, type SourceEndpoint, type SourceEnv } from './source.js';

export interface PublisherSourceOptions {
  /** Ids below this belong to earlier sources (a `serve` run's own envs). */
  firstEnv: number;
  /** Frames per second asked of publishers for watched envs. */
  fps: number;
  quality: number;
  encoder: EncoderKind;
  /** Image format raw published frames are encoded to; default jpeg. */
  format?: FrameFormat;
  /** State rate asked of publishers for envs nobody watches. */
  stateFps?: number;
  maxEnvs?: number;
  control: ControlPolicy;
  log: Logger;
  /** Publisher heartbeat (tests shorten it). */
  heartbeatMs?: number;
}

export class PublisherSource implements EnvSource {
  readonly kind = 'publishers';
  readonly can = PUBLISHED_CAN;
  readonly hub: Hub;
  readonly endpoints: readonly SourceEndpoint[];
  readonly #o: PublisherSourceOptions;
  readonly #encoder: FrameEncoder;
  readonly #out = new LateSink();
  readonly #wss: WebSocketServer;
  #site: SiteContext | undefined;

  constructor(o: PublisherSourceOptions) {
    this.#o = o;
    const reserved = Array.from({ length: o.firstEnv }, (_, env) => ({ label: `env ${env}`, source: 'local' as const, live: true, width: SCREEN_WIDTH, height: SCREEN_HEIGHT }));
    this.#encoder = lazyEncoder(o.encoder, { quality: o.quality, format: o.format }, o.log);
    this.hub = new Hub({
      local: reserved,
      encoder: this.#encoder,
      log: o.log,
      openControl: o.control.mode === 'open',
      checkToken: tokenChecker(o.control),
      stateFps: o.stateFps ?? DEFAULT_STATE_FPS,
      maxPublishedEnvs: o.maxEnvs,
      progress: (values, source) => this.#site?.progress(values, source),
      observeEncode: (seconds) => this.#site?.observeEncode(seconds),
      heartbeatMs: o.heartbeatMs,
      sink: this.#out,
      demandInputs: () => this.#site?.demand(o.fps) ?? { streamFps: o.fps, subscribers: [], recording: false, streamed: new Set() },
    });
    // Publishers send frames, so they get a larger limit (twice the protocol's, so an oversized
    // message still gets a coded error before ws would cut the connection).
    this.#wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 2 * MAX_PUBLISHER_MESSAGE_BYTES, handleProtocols: (offered) => (offered.has(PUBLISHER_SUBPROTOCOL) ? PUBLISHER_SUBPROTOCOL : false) });
    this.endpoints = [
      {
        path: WS_PATH,
        subprotocol: PUBLISHER_SUBPROTOCOL,
        upgrade: (req, socket, head) => this.#wss.handleUpgrade(req, socket, head, (ws: WebSocket) => this.hub.accept(ws, req)),
      },
    ];
  }

  /** The encoder of raw published frames (made now if not yet: a bad `--encoder` fails here). */
  get encoderName(): string {
    return this.#encoder.name;
  }

  envs(): SourceEnv[] {
    return this.hub.table
      .list()
      .filter((e) => e.source === 'published')
      .map((e) => ({ ...e, can: PUBLISHED_CAN }));
  }

  slots(): number {
    return this.hub.table.count;
  }

  start(site: SiteContext): void {
    this.#site = site;
    this.#out.bind(site.sink);
  }

  input(env: number): Promise<void> {
    return Promise.reject(notHere(env));
  }

  command(env: number): void {
    throw notHere(env);
  }

  stats(): EnvNumbers[] {
    return this.hub.stats().map(({ env, fps, emuFps, speed, published }) => ({ env, fps, emuFps, speed, published }));
  }

  states() {
    return this.hub.states();
  }

  health(): Record<string, unknown> {
    return { live: this.hub.table.livePublished(), publishers: this.hub.publishers };
  }

  async close(): Promise<void> {
    this.hub.close();
    await closeSockets([this.#wss]);
    this.#site = undefined;
  }
}

function notHere(env: number): GbsError {
  return new GbsError(ErrorCode.Unsupported, `env ${env} is published by a trainer elsewhere; it takes no input or commands here`);
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
