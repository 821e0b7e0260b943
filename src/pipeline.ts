/**
 * Wires the stages: emulator → sampler → encoder → framer → sink (broadcaster, recorder).
 * The only file that knows all of them. The emulator loop never waits on the encoder or a sink:
 * encoding is asynchronous, and when an encode is still running at the next sample, that sample
 * is skipped (and counted) rather than queued.
 */
import type { Logger } from './log.js';
import type { FrameEncoder } from './encode/encoder.js';
import { Runner } from './emulator/runner.js';
import type { Speed } from './emulator/pacer.js';
import { EmulatorFault, GB_FRAME_RATE, type EmulatorSnapshot, type ServerboyEmulator } from './emulator/serverboy.js';
import { ErrorCode } from './protocol/constants.js';
import { GbsError } from './protocol/errors.js';

/** In-memory save slots per env (each a few hundred KB). */
export const MAX_SLOTS = 16;
import type { Policy } from './policy/policy.js';
import { SCREEN_HEIGHT, SCREEN_WIDTH } from './protocol/constants.js';
import type { Button, EventMessage, FrameMessage, GameState } from './protocol/messages.js';
import { encodeRecord } from './protocol/record.js';
import type { Clock } from './sampler/sampler.js';
import { Sampler } from './sampler/sampler.js';
import type { MemoryMap } from './state/memory-map.js';
import { readState } from './state/read-state.js';

/** Where published records go. */
export interface RecordSink {
  /** A frame record: may be dropped per client. */
  frame(record: Uint8Array, message: FrameMessage): void;
  /** An event: never dropped. */
  event(message: EventMessage): void;
}

export interface PipelineOptions {
  emulator: ServerboyEmulator;
  encoder: FrameEncoder;
  policy: Policy;
  map: MemoryMap | undefined;
  fps: number;
  speed: Speed;
  sink: RecordSink;
  log: Logger;
  env?: number;
  /** Wall clock for sampling (ms, monotonic); injected by tests. */
  clock?: Clock;
  /** Told how long each frame encode took, in seconds (metrics). */
  observeEncode?: (seconds: number) => void;
}

export interface PipelineStats {
  /** Frames published in the last full second. */
  fps: number;
  /** Frames emulated in the last full second. */
  emuFps: number;
  /** emuFps relative to the Game Boy's 59.73 frames/s. */
  speed: number;
  published: number;
  /** Samples skipped because the previous encode had not finished. */
  encodeBusySkips: number;
  lastState: GameState;
}

export class Pipeline {
  readonly #o: PipelineOptions;
  readonly #runner: Runner;
  readonly #sampler: Sampler;
  readonly #pixels = new Uint8Array(SCREEN_WIDTH * SCREEN_HEIGHT * 3);
  readonly #env: number;
  #seq = 0;
  #encoding = false;
  #lockstep = false;
  #stopped = false;
  readonly #slots = new Map<string, EmulatorSnapshot>();
  #steppedFrames = 0;
  #input: { buttons: readonly Button[]; until: number } | undefined;
  #stats: PipelineStats = { fps: 0, emuFps: 0, speed: 0, published: 0, encodeBusySkips: 0, lastState: {} };
  #window = { at: performance.now(), published: 0, frames: 0 };
  #statsTimer: NodeJS.Timeout | undefined;

  constructor(options: PipelineOptions) {
    this.#o = options;
    this.#env = options.env ?? 0;
    this.#sampler = new Sampler(options.fps, options.clock);
    this.#runner = new Runner(options.emulator, options.speed, {
      beforeFrame: (frame) => this.#applyInput(frame),
      afterFrame: (frame) => this.#afterFrame(frame),
      onFault: (err) => this.#onFault(err),
    });
  }

  get stats(): Readonly<PipelineStats> {
    return this.#stats;
  }

  start(): void {
    this.#window = { at: performance.now(), published: this.#stats.published, frames: this.#runner.framesRun + this.#steppedFrames };
    this.#statsTimer = setInterval(() => this.#rollStats(), 1000);
    this.#statsTimer.unref();
    this.#runner.start();
  }

  /** Stops for good: nothing (reset, resume, an agent's release) starts the loop again. */
  stop(): void {
    this.#stopped = true;
    this.#runner.stop();
    clearInterval(this.#statsTimer);
  }

  /** Starts the run loop unless stopped for good, faulted or driven by an agent. */
  #run(): void {
    if (!this.#stopped && !this.#lockstep && !this.#o.emulator.faulted) this.#runner.start();
  }

  /** Whether an agent drives this env frame by frame (the loop is stopped meanwhile). */
  get lockstep(): boolean {
    return this.#lockstep;
  }

  /**
   * Lockstep for an agent: free running stops and the env advances only through `step`.
   * Viewers keep receiving the sampled frames of the stepped frames.
   */
  setLockstep(on: boolean): void {
    this.#lockstep = on;
    if (on) this.#runner.stop();
    else this.#run();
  }

  /**
   * Runs exactly `frames` frames holding `buttons` (lockstep only) and returns the state after
   * them. @throws EmulatorFault when the core faults (also reported as an event).
   */
  step(buttons: readonly Button[], frames: number): { frame: number; state: GameState } {
    // Already reported once (event + placeholder); an agent stepping on doesn't repeat it.
    if (this.#o.emulator.faulted) throw new EmulatorFault('emulator is stopped after a fault; reset it');
    for (let i = 0; i < frames; i++) {
      this.#o.emulator.hold(buttons, 1);
      try {
        this.#o.emulator.step();
      } catch (err) {
        this.#onFault(err as Error);
        throw err;
      }
      this.#steppedFrames++;
      this.#afterFrame(this.#o.emulator.frame);
    }
    return this.observe();
  }

  /** The emulated frame number and game state now. */
  observe(): { frame: number; state: GameState } {
    return { frame: this.#o.emulator.frame, state: readState(this.#o.emulator, this.#o.map) };
  }

  /** The screen now, as 160×144 RGB bytes (valid until the next frame). */
  screenRgb(): Uint8Array {
    return this.#o.emulator.screenRgb();
  }

  /** Holds buttons for `frames` frames, overriding the policy meanwhile (viewer/agent input). */
  input(buttons: readonly Button[], frames: number): void {
    this.#input = { buttons, until: this.#o.emulator.frame + frames };
  }

  #applyInput(frame: number): void {
    const manual = this.#input && frame < this.#input.until ? this.#input.buttons : undefined;
    this.#o.emulator.hold(manual ?? this.#o.policy.buttons(frame), 1);
  }

  #afterFrame(frame: number): void {
    if (!this.#sampler.shouldPublish()) return;
    if (this.#encoding) {
      this.#stats.encodeBusySkips++;
      return;
    }
    // Copy now: the screen array is replaced by the next frame.
    const ts = Date.now();
    this.#pixels.set(this.#o.emulator.screenRgb());
    const state = readState(this.#o.emulator, this.#o.map);
    this.#stats.lastState = state;
    this.#encoding = true;
    const started = performance.now();
    this.#o.encoder
      .encode(this.#pixels, SCREEN_WIDTH, SCREEN_HEIGHT, 3)
      .then((data) => {
        this.#o.observeEncode?.((performance.now() - started) / 1000);
        const message: FrameMessage = {
          type: 'frame',
          env: this.#env,
          seq: this.#seq++,
          frame,
          ts,
          width: SCREEN_WIDTH,
          height: SCREEN_HEIGHT,
          format: 'jpeg',
          data,
          state,
        };
        this.#stats.published++;
        this.#o.sink.frame(encodeRecord(message), message);
      })
      .catch((err: unknown) => this.#o.log.error({ err }, 'frame encode failed; frame skipped'))
      .finally(() => {
        this.#encoding = false;
      });
  }

  #onFault(err: Error): void {
    this.#o.log.error({ err: err.message }, 'emulator stopped; send a "reset" command to restart it');
    this.#o.sink.event({ type: 'event', ts: Date.now(), level: 'error', code: 'GBS_ERR_EMULATOR_FAULT', message: `${err.message}; the emulator is stopped until reset` });
    this.#publishPlaceholder();
  }

  /** A dark red frame so viewers see the stop instead of a frozen picture that looks alive. */
  #publishPlaceholder(): void {
    const pixels = new Uint8Array(SCREEN_WIDTH * SCREEN_HEIGHT * 3);
    for (let i = 0; i < pixels.length; i += 3) {
      const stripe = Math.floor(i / 3 / SCREEN_WIDTH) % 16 < 2;
      pixels[i] = stripe ? 0x90 : 0x40;
      pixels[i + 1] = 0x10;
      pixels[i + 2] = 0x10;
    }
    const frame = this.#o.emulator.frame;
    this.#o.encoder
      .encode(pixels, SCREEN_WIDTH, SCREEN_HEIGHT, 3)
      .then((data) => {
        const message: FrameMessage = { type: 'frame', env: this.#env, seq: this.#seq++, frame, ts: Date.now(), width: SCREEN_WIDTH, height: SCREEN_HEIGHT, format: 'jpeg', data, state: {} };
        this.#o.sink.frame(encodeRecord(message), message);
      })
      .catch((e: unknown) => this.#o.log.error({ err: e }, 'placeholder encode failed'));
  }

  /** Restarts the ROM from power-on (also recovers from a fault). */
  reset(): void {
    this.#runner.stop();
    this.#o.emulator.reset();
    this.#input = undefined;
    this.#o.sink.event({ type: 'event', ts: Date.now(), level: 'info', code: 'GBS_RESET', message: 'emulator reset' });
    this.#run();
  }

  /** Saves the machine state in memory slot `slot` (at most MAX_SLOTS per env). */
  save(slot: string): void {
    if (!this.#slots.has(slot) && this.#slots.size >= MAX_SLOTS) {
      throw new GbsError(ErrorCode.BadField, `at most ${MAX_SLOTS} save slots per env; reuse one of ${[...this.#slots.keys()].join(', ')}`);
    }
    this.#slots.set(slot, this.#o.emulator.saveState());
  }

  /** Restores slot `slot`; the run loop carries on from there. */
  load(slot: string): void {
    const snapshot = this.#slots.get(slot);
    if (!snapshot) throw new GbsError(ErrorCode.BadField, `no save slot ${JSON.stringify(slot)} on env ${this.#env}`);
    const wasRunning = this.#runner.running;
    this.#runner.stop();
    this.#o.emulator.loadState(snapshot);
    this.#input = undefined;
    if (wasRunning) this.#run();
  }

  pause(): void {
    this.#runner.stop();
  }

  resume(): void {
    this.#run();
  }

  get paused(): boolean {
    return !this.#runner.running;
  }

  setSpeed(speed: Speed): void {
    this.#runner.setSpeed(speed);
  }

  #rollStats(): void {
    const now = performance.now();
    const seconds = (now - this.#window.at) / 1000;
    if (seconds <= 0) return;
    const frames = this.#runner.framesRun + this.#steppedFrames;
    this.#stats.fps = round1((this.#stats.published - this.#window.published) / seconds);
    this.#stats.emuFps = round1((frames - this.#window.frames) / seconds);
    this.#stats.speed = round1(this.#stats.emuFps / GB_FRAME_RATE, 100);
    this.#window = { at: now, published: this.#stats.published, frames };
  }
}

function round1(n: number, scale = 10): number {
  return Math.round(n * scale) / scale;
}
