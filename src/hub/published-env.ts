/**
 * One env whose frames come from a publisher: raw pixels are encoded here (once, shared by every
 * reader, in the server's `--format`) and every frame leaves as the same `frame` record a local env's pipeline makes, into
 * the same sink (broadcaster, recorder, latest-frame store). State-only updates are kept for
 * `states` records, HTTP and stats. Like the pipeline, an encode still running when the next
 * frame arrives makes that frame skipped (and counted), never queued.
 */
import type { FrameEncoder } from '../encode/encoder.js';
import type { Logger } from '../log.js';
import { frameRecord } from '../protocol/frame-record.js';
import type { FrameFormat, GameState } from '../protocol/messages.js';
import type { RecordSink } from '../protocol/sink.js';
import type { PreparedFrame } from './raw-frame.js';

/** The Game Boy's frame rate, to turn a publisher's frame counter into a speed. */
const GB_FRAME_RATE = 59.7275;

export interface PublishedEnvStats {
  env: number;
  /** Frames published in the last full second. */
  fps: number;
  /** How fast the publisher's frame counter grew over the last second (its emulated frames/s). */
  emuFps: number;
  speed: number;
  /** State updates (frames + pub_state) in the last full second. */
  stateHz: number;
  published: number;
  /** Frames skipped because the previous encode had not finished. */
  encodeBusySkips: number;
}

export class PublishedEnv {
  readonly env: number;
  width: number;
  height: number;
  label: string;
  live = true;
  #seq = 0;
  #frame = 0;
  #state: GameState = {};
  #stateTs = 0;
  #encoding = false;
  #published = 0;
  #updates = 0;
  #busySkips = 0;
  #window = { at: performance.now(), published: 0, updates: 0, frame: 0 };
  #stats: PublishedEnvStats;
  readonly #encoder: FrameEncoder;
  readonly #sink: RecordSink;
  readonly #log: Logger;
  readonly #observeEncode: ((seconds: number) => void) | undefined;

  constructor(o: { env: number; label: string; width: number; height: number; encoder: FrameEncoder; sink: RecordSink; log: Logger; observeEncode?: (seconds: number) => void }) {
    this.env = o.env;
    this.label = o.label;
    this.width = o.width;
    this.height = o.height;
    this.#encoder = o.encoder;
    this.#sink = o.sink;
    this.#log = o.log;
    this.#observeEncode = o.observeEncode;
    this.#stats = { env: o.env, fps: 0, emuFps: 0, speed: 0, stateHz: 0, published: 0, encodeBusySkips: 0 };
  }

  /** The latest state, with the frame number and time it came with. */
  get latest(): { frame: number; ts: number; state: GameState } {
    return { frame: this.#frame, ts: this.#stateTs, state: this.#state };
  }

  get stats(): PublishedEnvStats {
    return this.#stats;
  }

  /** A state-only update. */
  state(frame: number | undefined, state: GameState): void {
    this.#update(frame, state);
  }

  /** A frame: encodes raw pixels (or takes the JPEG as is) and publishes a `frame` record. */
  frame(prepared: PreparedFrame, frame: number | undefined, state: GameState | undefined): void {
    this.#update(frame, state ?? this.#state);
    const fields = { frame: this.#frame, ts: this.#stateTs, state: this.#state, width: this.width, height: this.height };
    if (prepared.kind === 'encoded') {
      this.#emit(fields, prepared.format, prepared.data);
      return;
    }
    if (this.#encoding) {
      this.#busySkips++;
      return;
    }
    this.#encoding = true;
    const started = performance.now();
    this.#encoder
      .encode(prepared.pixels, this.width, this.height, prepared.channels)
      .then((data) => {
        this.#observeEncode?.((performance.now() - started) / 1000);
        if (this.live) this.#emit(fields, this.#encoder.format, data);
      })
      .catch((err: unknown) => this.#log.error({ err, env: this.env }, 'published frame encode failed; frame skipped'))
      .finally(() => {
        this.#encoding = false;
      });
  }

  #update(frame: number | undefined, state: GameState): void {
    this.#frame = frame ?? this.#frame + 1;
    this.#state = state;
    this.#stateTs = Date.now();
    this.#updates++;
  }

  #emit(fields: { frame: number; ts: number; state: GameState; width: number; height: number }, format: FrameFormat, data: Uint8Array): void {
    const { message, record } = frameRecord({ env: this.env, seq: this.#seq++, ...fields, format, data });
    this.#published++;
    this.#sink.frame(record, message);
  }

  /** Rolls the per-second numbers; the hub calls it once a second. */
  rollStats(now = performance.now()): void {
    const seconds = (now - this.#window.at) / 1000;
    if (seconds <= 0) return;
    const emuFps = Math.max(0, (this.#frame - this.#window.frame) / seconds);
    this.#stats = {
      env: this.env,
      fps: round1((this.#published - this.#window.published) / seconds),
      emuFps: round1(emuFps),
      speed: Math.round((emuFps / GB_FRAME_RATE) * 100) / 100,
      stateHz: round1((this.#updates - this.#window.updates) / seconds),
      published: this.#published,
      encodeBusySkips: this.#busySkips,
    };
    this.#window = { at: now, published: this.#published, updates: this.#updates, frame: this.#frame };
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
