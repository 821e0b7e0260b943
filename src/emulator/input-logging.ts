/**
 * Input-log capture (DESIGN §14, docs/recording-format.md): an `Emulator` that wraps another and
 * writes what a re-run needs to reproduce every frame — a `start` record whenever the timeline
 * begins or jumps, the buttons held on each frame as runs, and a `checkpoint` every N frames.
 *
 * Why a wrapper: every way an env advances (the run loop at 1×/N×/max, an agent's lockstep or
 * batched steps, viewer input, the policies, on the main thread or a worker) ends in `hold()` and
 * `step()` of the env's emulator, and every jump in `reset()` or `loadState()`. Wrapping the
 * emulator covers them all in one place, and whatever is added later that steps an emulator.
 *
 * Costs: one mask comparison per frame; a deflate (~1 ms) and a SHA-1 of the picture (~40 µs) per
 * start and per checkpoint. Records go to `emit` (the recorder, or the worker's relay to it).
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { buttonMask, encodeRuns, type Run, type StartReason } from '../protocol/input-log.js';
import type { Button } from '../protocol/messages.js';
import { encodeRecord } from '../protocol/record.js';
import { GB_FRAME_RATE, type Emulator } from './emulator.js';

/** Default emulated seconds between checkpoints (`--checkpoint-s`). */
export const DEFAULT_CHECKPOINT_S = 60;
/** Pending inputs are written at least this often (wall time), so a crash loses about a second. */
export const INPUT_FLUSH_MS = 500;

export interface InputLogOptions {
  env: number;
  /** SHA-1 of the ROM, lowercase hex. */
  romSha1: string;
  sound: boolean;
  /** Emulated seconds between checkpoints; default 60. */
  checkpointS?: number;
  /** Takes each record (bytes of one input-log record). Must not throw. */
  emit(record: Uint8Array): void;
  /** Wall clock for `ts`; injected by tests. */
  now?: () => number;
  /** Wall ms between flushes of pending inputs; 0 turns the timer off (tests flush by hand). */
  flushMs?: number;
}

/** Frames between checkpoints for `seconds` of emulated time. */
export function checkpointFrames(seconds: number): number {
  return Math.max(1, Math.round(seconds * GB_FRAME_RATE));
}

/** SHA-1 of a picture, as checkpoints carry it. */
export function pictureHash(rgb: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(rgb).digest());
}

export class InputLoggingEmulator implements Emulator {
  readonly #inner: Emulator;
  readonly #o: InputLogOptions;
  readonly #every: number;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout | undefined;
  /** What `hold()` asked for, mirrored from the core's own rule (held for N frames, then none). */
  #mask = 0;
  #heldFrames = 0;
  /** Finished runs not yet written, the run in progress, and the frame counter before the first. */
  #runs: Run[] = [];
  #runMask = 0;
  #runCount = 0;
  #runsFrom = 0;
  #sinceCheckpoint = 0;
  #closed = false;
  /**
   * The first `start` is written before the first frame, not at construction: the recorder is
   * started once the envs exist (it needs their encoder's name), and only then do they run.
   */
  #started = false;

  /** Wraps `inner`; its `start` record is written before its first frame. */
  constructor(inner: Emulator, options: InputLogOptions) {
    this.#inner = inner;
    this.#o = options;
    this.#every = checkpointFrames(options.checkpointS ?? DEFAULT_CHECKPOINT_S);
    this.#now = options.now ?? Date.now;
    const flushMs = options.flushMs ?? INPUT_FLUSH_MS;
    if (flushMs > 0) {
      this.#timer = setInterval(() => this.flush(), flushMs);
      this.#timer.unref();
    }
  }

  get core(): string {
    return this.#inner.core;
  }

  get cgb(): boolean {
    return this.#inner.cgb;
  }

  get frame(): number {
    return this.#inner.frame;
  }

  get faulted(): boolean {
    return this.#inner.faulted;
  }

  get loadNotes(): readonly string[] {
    return this.#inner.loadNotes;
  }

  hold(buttons: readonly Button[], frames = 1): void {
    this.#inner.hold(buttons, frames);
    this.#mask = buttonMask(buttons);
    this.#heldFrames = Math.max(0, Math.floor(frames));
  }

  step(): void {
    if (!this.#started) this.#start('start');
    const mask = this.#heldFrames > 0 ? this.#mask : 0;
    if (this.#heldFrames > 0) this.#heldFrames--;
    this.#inner.step(); // a fault throws here: the frame did not happen, and only a start follows
    this.#logged(mask);
  }

  /** Held and stepped one frame at a time, so the log and the core agree on what was held after. */
  run(buttons: readonly Button[], frames: number): void {
    const n = Math.max(0, Math.floor(frames));
    this.hold(buttons, n);
    for (let i = 0; i < n; i++) this.step();
  }

  screenRgb(): Uint8Array {
    return this.#inner.screenRgb();
  }

  get screenGray(): (() => Uint8Array) | undefined {
    const inner = this.#inner;
    return inner.screenGray ? () => inner.screenGray!() : undefined;
  }

  readByte(address: number): number {
    return this.#inner.readByte(address);
  }

  readWramBank(bank: number, address: number): number {
    return this.#inner.readWramBank(bank, address);
  }

  saveState(): Uint8Array {
    return this.#inner.saveState();
  }

  loadState(state: Uint8Array): void {
    this.flush();
    this.#inner.loadState(state); // refused bytes throw before the machine changed: no jump to log
    this.#released();
    this.#start('load');
  }

  reset(): void {
    this.flush();
    this.#inner.reset();
    this.#released();
    this.#start('reset');
  }

  /** Every core lets go of the buttons on reset and state load. */
  #released(): void {
    this.#mask = 0;
    this.#heldFrames = 0;
  }

  /** Marks the end of an episode (a trainer's score for it). */
  markEpisode(score?: number): void {
    this.flush();
    this.#emit({ type: 'episode', env: this.#o.env, frame: this.#inner.frame, score, ts: this.#now() });
  }

  /** Writes the pending inputs as one `inputs` record (the timer does this every INPUT_FLUSH_MS). */
  flush(): void {
    if (this.#runCount > 0) {
      this.#runs.push({ mask: this.#runMask, count: this.#runCount });
      this.#runCount = 0;
    }
    if (this.#runs.length === 0) return;
    const runs = this.#runs;
    this.#runs = [];
    const frame = this.#runsFrom;
    this.#runsFrom += runs.reduce((n, r) => n + r.count, 0);
    this.#emit({ type: 'inputs', env: this.#o.env, frame, runs: encodeRuns(runs) });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.flush();
    this.#inner.close();
  }

  #logged(mask: number): void {
    if (this.#runCount > 0 && mask === this.#runMask) {
      this.#runCount++;
    } else {
      if (this.#runCount > 0) this.#runs.push({ mask: this.#runMask, count: this.#runCount });
      this.#runMask = mask;
      this.#runCount = 1;
    }
    if (++this.#sinceCheckpoint >= this.#every) this.#checkpoint();
  }

  #checkpoint(): void {
    this.flush();
    this.#sinceCheckpoint = 0;
    const state = this.#inner.saveState();
    this.#emit({ type: 'checkpoint', env: this.#o.env, frame: this.#inner.frame, state: deflateSync(state), stateBytes: state.length, hash: pictureHash(this.#inner.screenRgb()), ts: this.#now() });
  }

  #start(reason: StartReason): void {
    this.#started = true;
    this.#runs = [];
    this.#runCount = 0;
    this.#runsFrom = this.#inner.frame;
    this.#sinceCheckpoint = 0;
    const state = this.#inner.saveState();
    const inner = this.#inner as Emulator & { coreVersion?: string };
    this.#emit({
      type: 'start',
      env: this.#o.env,
      frame: this.#inner.frame,
      reason,
      core: inner.core,
      coreVersion: inner.coreVersion,
      rom: this.#o.romSha1,
      sound: this.#o.sound,
      state: deflateSync(state),
      stateBytes: state.length,
      ts: this.#now(),
    });
  }

  #emit(message: Parameters<typeof encodeRecord>[0]): void {
    this.#o.emit(encodeRecord(message));
  }
}
