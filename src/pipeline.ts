/**
 * One env's publishing stages: emulator → sampler → encoder → frame record → sink.
 *
 * The env calls `afterFrame()` after every emulated frame. The sampler decides whether the frame
 * is published; if so the screen is copied and the game state read at once (the next frame
 * overwrites both), then encoded asynchronously and handed to the sink as a `frame` record.
 * The emulator never waits on the encoder: a sample that comes while an encode is still running
 * is skipped and counted, not queued.
 *
 * Contracts:
 * - `afterFrame()` never throws. A failure (state read, pixel copy, an encoder that throws or
 *   rejects, a sink that throws) skips that frame and is reported once per run of failures as
 *   an event plus a log line: this is the stage's edge, called from the emulator's timer.
 * - `discard()` (the env calls it on reset and state load) drops whatever is being encoded, so no
 *   frame or state from before it is published after it.
 * - `publishStill()` publishes a fixed picture after any encode in flight, so it is the last
 *   thing viewers see (the env's fault placeholder).
 */
import type { FrameEncoder } from './encode/encoder.js';
import type { Emulator } from './emulator/emulator.js';
import type { Logger } from './log.js';
import { ErrorCode, SCREEN_HEIGHT, SCREEN_WIDTH } from './protocol/constants.js';
import { frameRecord } from './protocol/frame-record.js';
import type { GameState } from './protocol/messages.js';
import type { RecordSink } from './protocol/sink.js';
import { Sampler, type Clock } from './sampler/sampler.js';
import type { MemoryMap } from './state/memory-map.js';
import { readState } from './state/read-state.js';

export interface PipelineOptions {
  /** Read only: the screen, the bus (game state) and the frame number. */
  emulator: Pick<Emulator, 'screenRgb' | 'readByte' | 'readWramBank'>;
  encoder: FrameEncoder;
  map: MemoryMap | undefined;
  fps: number;
  sink: RecordSink;
  log: Logger;
  env?: number;
  /** Monotonic ms for sampling and encode timing; injected by tests. */
  clock?: Clock;
  /** Capture time for `frame.ts`, ms since the epoch; injected by tests. */
  wallClock?: () => number;
  /** Told how long each frame encode took, in seconds (metrics). */
  observeEncode?: (seconds: number) => void;
}

export interface PipelineStats {
  published: number;
  /** Samples skipped because the previous encode had not finished. */
  encodeBusySkips: number;
  /** Frames that failed to publish (reported as `GBS_ERR_FRAME_FAILED` events). */
  failures: number;
}

export class Pipeline {
  readonly #o: PipelineOptions;
  readonly #sampler: Sampler;
  readonly #env: number;
  readonly #now: Clock;
  readonly #wall: () => number;
  readonly #pixels = new Uint8Array(SCREEN_WIDTH * SCREEN_HEIGHT * 3);
  #seq = 0;
  /** The encode in flight (a sampled frame or a still), if any. */
  #inFlight: Promise<void> | undefined;
  /** Bumped by discard(): an encode started under an older epoch is not published. */
  #epoch = 0;
  #failing = false;
  readonly #stats: PipelineStats = { published: 0, encodeBusySkips: 0, failures: 0 };

  constructor(options: PipelineOptions) {
    this.#o = options;
    this.#env = options.env ?? 0;
    this.#now = options.clock ?? (() => performance.now());
    this.#wall = options.wallClock ?? Date.now;
    this.#sampler = new Sampler(options.fps, this.#now);
  }

  get stats(): Readonly<PipelineStats> {
    return this.#stats;
  }

  /** Called after emulated frame `frame` finished: publishes it if the sampler says so. Never throws. */
  afterFrame(frame: number): void {
    try {
      if (!this.#sampler.shouldPublish()) return;
      if (this.#inFlight) {
        this.#stats.encodeBusySkips++;
        return;
      }
      const ts = this.#wall();
      // Copy now: the core rewrites its screen and memory on the next frame.
      this.#pixels.set(this.#o.emulator.screenRgb());
      const state = readState(this.#o.emulator, this.#o.map);
      this.#encode(this.#pixels, { frame, ts, state }, true);
    } catch (err) {
      this.#failed(err);
    }
  }

  /**
   * Publishes `pixels` (160×144 RGB) as frame `frame` with no game state, after the encode in
   * flight (if any) has been published. Never throws.
   */
  publishStill(pixels: Uint8Array, frame: number): void {
    const before = this.#inFlight ?? Promise.resolve();
    const epoch = this.#epoch;
    const run = before.then(() => {
      if (epoch !== this.#epoch) return;
      this.#encode(pixels, { frame, ts: this.#wall(), state: {} }, false);
      return this.#inFlight; // settles when the still is published
    });
    this.#track(run);
  }

  /** Drops any encode in flight: nothing sampled before this call is published after it. */
  discard(): void {
    this.#epoch++;
    this.#inFlight = undefined;
  }

  #encode(pixels: Uint8Array, meta: { frame: number; ts: number; state: GameState }, timed: boolean): void {
    const epoch = this.#epoch;
    const started = this.#now();
    let encoding: Promise<Uint8Array>;
    try {
      encoding = this.#o.encoder.encode(pixels, SCREEN_WIDTH, SCREEN_HEIGHT, 3);
    } catch (err) {
      this.#failed(err); // an encoder's synchronous argument check
      return;
    }
    this.#track(
      encoding.then((data) => {
        if (epoch !== this.#epoch) return; // reset or state load meanwhile: stale
        if (timed) this.#o.observeEncode?.((this.#now() - started) / 1000);
        const { record, message } = frameRecord({ env: this.#env, seq: this.#seq++, format: this.#o.encoder.format, data, ...meta });
        this.#stats.published++;
        this.#failing = false;
        this.#o.sink.frame(record, message);
      }),
    );
  }

  /** Marks `work` as the encode in flight until it settles; reports its failure. */
  #track(work: Promise<unknown>): void {
    const done: Promise<void> = work.then(
      () => undefined,
      (err: unknown) => this.#failed(err),
    ).finally(() => {
      if (this.#inFlight === done) this.#inFlight = undefined;
    });
    this.#inFlight = done;
  }

  /** The stage's edge: one event and one log line per run of failures, then counted only. */
  #failed(err: unknown): void {
    this.#stats.failures++;
    if (this.#failing) return;
    this.#failing = true;
    const message = err instanceof Error ? err.message : String(err);
    this.#o.log.error({ err, env: this.#env }, 'publishing a frame failed; frame skipped');
    try {
      this.#o.sink.event({ type: 'event', ts: this.#wall(), level: 'error', code: ErrorCode.FrameFailed, message: `env ${this.#env}: publishing a frame failed (${message}); frames are skipped until it works again` });
    } catch (sinkErr) {
      this.#o.log.error({ err: sinkErr }, 'could not report a failed frame');
    }
  }
}
