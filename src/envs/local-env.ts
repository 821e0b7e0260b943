/**
 * An env in this thread: it owns the emulator and everything that decides what the emulator does
 * next — the run loop, the policy and a viewer's input override, an agent's lockstep, save slots,
 * reset, and the placeholder after a fault — and hands every finished frame to its pipeline.
 * Also what each worker thread runs.
 */
import { createHash } from 'node:crypto';
import type { Emulator } from '../emulator/emulator.js';
import { InputLoggingEmulator } from '../emulator/input-logging.js';
import { EmulatorFault, GB_FRAME_RATE } from '../emulator/emulator.js';
import { createEmulator, type CoreChoice } from '../emulator/create-emulator.js';
import type { Speed } from '../emulator/pacer.js';
import { Runner } from '../emulator/runner.js';
import { rgbToGray, rgbToRgba } from '../encode/pixels.js';
import type { FrameEncoder } from '../encode/encoder.js';
import type { Logger } from '../log.js';
import { Pipeline } from '../pipeline.js';
import type { Policy } from '../policy/policy.js';
import { ErrorCode, EventCode, SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { Button, GameState, Observe } from '../protocol/messages.js';
import type { RecordSink } from '../protocol/sink.js';
import type { Clock } from '../sampler/sampler.js';
import type { MemoryMap } from '../state/memory-map.js';
import { readState } from '../state/read-state.js';
import { runCommand, type CommandTarget } from './commands.js';
import type { Env, EnvStats, Observation } from './env.js';
import { faultPlaceholderPixels } from './fault-placeholder.js';
import { SaveSlots } from './save-slots.js';

/** What an env's input log needs beyond the env (`--checkpoint-s`). */
export interface InputLogSetup {
  checkpointS?: number;
}

export interface LocalEnvOptions {
  id: number;
  emulator: Emulator;
  map: MemoryMap | undefined;
  policy: Policy;
  encoder: FrameEncoder;
  fps: number;
  speed: Speed;
  log: Logger;
  output: RecordSink;
  observeEncode?: (seconds: number) => void;
  /** Monotonic ms for pacing, sampling and rates; injected by tests. */
  clock?: Clock;
}

/** How long a step runs frames before it lets the event loop have a turn (ms); 10 ms cost a third more time per burst here (load 7), 25 ms nothing measurable. */
export const STEP_SLICE_MS = 25;

export class LocalEnv implements Env, CommandTarget {
  readonly id: number;
  readonly #o: LocalEnvOptions;
  readonly #emulator: Emulator;
  readonly #pipeline: Pipeline;
  readonly #runner: Runner;
  readonly #slots: SaveSlots;
  readonly #now: Clock;
  #lockstep = false;
  #stopped = false;
  #steppedFrames = 0;
  #input: { buttons: readonly Button[]; until: number } | undefined;
  #rates = { fps: 0, emuFps: 0, speed: 0 };
  #window = { at: 0, published: 0, frames: 0 };
  #statsTimer: NodeJS.Timeout | undefined;

  constructor(o: LocalEnvOptions) {
    this.id = o.id;
    this.#o = o;
    this.#emulator = o.emulator;
    this.#now = o.clock ?? (() => performance.now());
    this.#slots = new SaveSlots(o.id);
    for (const note of o.emulator.loadNotes) o.log.warn({ env: o.id }, `${o.emulator.core}: ${note}`);
    this.#pipeline = new Pipeline({ emulator: o.emulator, encoder: o.encoder, map: o.map, fps: o.fps, sink: o.output, log: o.log, env: o.id, clock: o.clock, observeEncode: o.observeEncode });
    this.#runner = new Runner(
      o.emulator,
      o.speed,
      {
        beforeFrame: (frame) => this.#applyInput(frame),
        afterFrame: (frame) => this.#pipeline.afterFrame(frame),
        onFault: (err) => this.#onFault(err),
      },
      this.#now,
    );
  }

  start(): void {
    this.#window = { at: this.#now(), published: this.#pipeline.stats.published, frames: this.#framesRun() };
    this.#statsTimer = setInterval(() => this.#rollRates(), 1000);
    this.#statsTimer.unref();
    this.#runner.start();
  }

  /**
   * Stops for good: nothing (reset, resume, an agent's release) starts the loop again, and the
   * emulator is closed (a libretro core frees its private library copy and buffers now, not at GC).
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#runner.stop();
    clearInterval(this.#statsTimer);
    this.#emulator.close();
  }

  /** Holds buttons for `frames` frames, overriding the policy meanwhile (viewer input). */
  async input(buttons: readonly Button[], frames: number): Promise<void> {
    this.#input = { buttons, until: this.#emulator.frame + frames };
  }

  async command(name: string, args: Record<string, unknown>): Promise<void> {
    runCommand(this, name, args);
  }

  /** Lockstep for an agent: free running stops; the env advances only through `step`. */
  async setLockstep(on: boolean): Promise<void> {
    this.#lockstep = on;
    if (on) this.#runner.stop();
    else this.#run();
  }

  async reset(observe: Observe, state?: Uint8Array): Promise<Observation> {
    if (state) this.#restore(state);
    else this.restart();
    return this.#observation(observe);
  }

  async saveState(): Promise<{ frame: number; data: Uint8Array }> {
    if (this.#emulator.faulted) throw this.#faultedError('the emulator is stopped after a fault');
    return { frame: this.#emulator.frame, data: this.#emulator.saveState() };
  }

  /**
   * Runs exactly `frames` frames holding `buttons` (viewers still get the sampled ones), unless
   * `signal` is aborted first: then it rejects at the next slice and the env stays where it got.
   */
  async step(buttons: readonly Button[], frames: number, observe: Observe, signal?: AbortSignal): Promise<Observation> {
    // A fault is reported once (event + placeholder); an agent stepping on doesn't repeat it.
    if (this.#emulator.faulted) throw this.#faultedError('the emulator is stopped after a fault');
    if (signal?.aborted) throw cancelled(this.id, 0, frames, signal);
    let slice = this.#now();
    for (let i = 0; i < frames; i++) {
      // A long step (600 frames is ~2 s on serverboy) gives the event loop a turn every slice:
      // on the main thread, HTTP and viewers must not wait for it, and a disconnect (or, in a
      // worker, the main thread's cancel) only arrives during such a turn.
      if (this.#now() - slice > STEP_SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.#stopped) throw new GbsError(ErrorCode.EnvCrashed, `env ${this.id} stopped during the step`);
        if (signal?.aborted) throw cancelled(this.id, i, frames, signal);
        slice = this.#now();
      }
      this.#emulator.hold(buttons, 1);
      try {
        this.#emulator.step();
      } catch (err) {
        this.#onFault(err as Error);
        throw this.#faultedError((err as Error).message);
      }
      this.#steppedFrames++;
      this.#pipeline.afterFrame(this.#emulator.frame);
    }
    return this.#observation(observe);
  }

  stats(): EnvStats {
    return { env: this.id, ...this.#rates, published: this.#pipeline.stats.published, paused: this.paused, lockstep: this.#lockstep };
  }

  /** The emulated frame number and game state now. */
  observe(): { frame: number; state: GameState } {
    return { frame: this.#emulator.frame, state: readState(this.#emulator, this.#o.map) };
  }

  get paused(): boolean {
    return !this.#runner.running;
  }

  // --- commands (CommandTarget) ---

  /** Restarts the ROM from power-on (also recovers from a fault). */
  restart(): void {
    this.#runner.stop();
    this.#emulator.reset();
    this.#pipeline.discard();
    this.#input = undefined;
    this.#o.output.event({ type: 'event', ts: Date.now(), level: 'info', code: EventCode.Reset, message: 'emulator reset' });
    this.#run();
  }

  pause(): void {
    this.#runner.stop();
  }

  resume(): void {
    this.#run();
  }

  setSpeed(speed: Speed): void {
    this.#runner.setSpeed(speed);
  }

  /** Saves the machine state in memory slot `slot`. */
  save(slot: string): void {
    this.#slots.set(slot, this.#emulator.saveState());
  }

  /** Marks the end of an episode in the input log (nothing when the env writes none). */
  markEpisode(score: number | undefined): void {
    if (this.#emulator instanceof InputLoggingEmulator) this.#emulator.markEpisode(score);
  }

  /** Restores slot `slot`; the run loop carries on from there if it was running. */
  load(slot: string): void {
    this.#restore(this.#slots.get(slot));
  }

  // --- internals ---

  /** Loads a machine state; the run loop carries on from there if it was running. */
  #restore(state: Uint8Array): void {
    const wasRunning = this.#runner.running;
    this.#runner.stop();
    try {
      this.#emulator.loadState(state);
    } catch (err) {
      // The core refused the bytes before touching the machine: it is where it was.
      if (wasRunning) this.#run();
      if (err instanceof EmulatorFault) throw new GbsError(ErrorCode.BadField, `env ${this.id} can't load that state: ${err.message}`);
      throw err;
    }
    this.#pipeline.discard();
    this.#input = undefined;
    if (wasRunning) this.#run();
  }

  /** Starts the run loop unless stopped for good, faulted or driven by an agent. */
  #run(): void {
    if (!this.#stopped && !this.#lockstep && !this.#emulator.faulted) this.#runner.start();
  }

  #applyInput(frame: number): void {
    const manual = this.#input && frame < this.#input.until ? this.#input.buttons : undefined;
    this.#emulator.hold(manual ?? this.#o.policy.buttons(frame), 1);
  }

  #onFault(err: Error): void {
    this.#o.log.error({ env: this.id, err: err.message }, 'emulator stopped; send a "reset" command to restart it');
    this.#o.output.event({ type: 'event', ts: Date.now(), level: 'error', code: ErrorCode.EmulatorFault, message: `${err.message}; the emulator is stopped until reset` });
    this.#pipeline.publishStill(faultPlaceholderPixels(), this.#emulator.frame);
  }

  #faultedError(why: string): GbsError {
    return new GbsError(ErrorCode.Unsupported, `env ${this.id} faulted: ${why}; send reset`);
  }

  #framesRun(): number {
    return this.#runner.framesRun + this.#steppedFrames;
  }

  #rollRates(): void {
    const now = this.#now();
    const seconds = (now - this.#window.at) / 1000;
    if (seconds <= 0) return;
    const published = this.#pipeline.stats.published;
    const frames = this.#framesRun();
    const emuFps = round((frames - this.#window.frames) / seconds, 10);
    this.#rates = { fps: round((published - this.#window.published) / seconds, 10), emuFps, speed: round(emuFps / GB_FRAME_RATE, 100) };
    this.#window = { at: now, published, frames };
  }

  #observation(observe: Observe): Observation {
    const { frame, state } = this.observe();
    const obs: Observation = { env: this.id, frame, state };
    if (observe !== 'none') {
      const emu = this.#emulator;
      obs.screen = observe === 'rgba' ? rgbToRgba(emu.screenRgb()) : (emu.screenGray?.() ?? rgbToGray(emu.screenRgb()));
      obs.screenFormat = observe;
      obs.width = SCREEN_WIDTH;
      obs.height = SCREEN_HEIGHT;
    }
    return obs;
  }
}

function cancelled(env: number, ran: number, frames: number, signal: AbortSignal): GbsError {
  const why = typeof signal.reason === 'string' ? signal.reason : 'cancelled';
  return new GbsError(ErrorCode.EnvBusy, `env ${env}: step cancelled after ${ran} of ${frames} frames (${why})`);
}

function round(n: number, scale: number): number {
  return Math.round(n * scale) / scale;
}

export interface LocalEnvSetup extends Omit<LocalEnvOptions, 'emulator'> {
  rom: Uint8Array;
  core?: CoreChoice;
  sound: boolean;
  /** Write an input log (`--record-mode inputs|both`) to `output.log`. */
  inputLog?: InputLogSetup;
}

/** Loads the ROM into the chosen core and wraps it in a LocalEnv (not started). */
export async function createLocalEnv(o: LocalEnvSetup): Promise<LocalEnv> {
  const { rom, core, sound, inputLog, ...rest } = o;
  let emulator = await createEmulator(rom, { core, sound });
  if (inputLog) {
    const output = rest.output;
    const romSha1 = createHash('sha1').update(rom).digest('hex');
    emulator = new InputLoggingEmulator(emulator, { env: rest.id, romSha1, sound, checkpointS: inputLog.checkpointS, emit: (record) => output.log?.(record) });
  }
  return new LocalEnv({ ...rest, emulator });
}
