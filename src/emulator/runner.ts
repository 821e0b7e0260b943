/**
 * The emulator loop: runs frames at the configured speed on the main thread without ever waiting
 * on a client or the disk. At `--speed max` it runs frames in slices of SLICE_MS and yields to
 * the event loop between slices so sockets are still served.
 */
import type { Emulator } from './emulator.js';
import type { Clock } from '../sampler/sampler.js';
import { Pacer, type Speed } from './pacer.js';

/** Longest run of frames between two turns of the event loop. */
export const SLICE_MS = 8;
/** Most frames run in one paced tick (catch-up after a stall is bounded by the pacer). */
const MAX_FRAMES_PER_TICK = 16;

export interface RunnerHooks {
  /** Called before each frame (apply inputs). */
  beforeFrame(frame: number): void;
  /** Called after each frame (sample, read state). */
  afterFrame(frame: number): void;
  /** Called once when the core throws; the loop stops. */
  onFault(err: Error): void;
}

export class Runner {
  readonly #emulator: Emulator;
  readonly #hooks: RunnerHooks;
  readonly #now: Clock;
  #speed: Speed;
  #pacer: Pacer | undefined;
  #timeout: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #running = false;
  #frames = 0;

  /** @param now monotonic milliseconds for pacing and slices; tests inject their own. */
  constructor(emulator: Emulator, speed: Speed, hooks: RunnerHooks, now: Clock = () => performance.now()) {
    this.#emulator = emulator;
    this.#speed = speed;
    this.#hooks = hooks;
    this.#now = now;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Frames run since start (for speed measurement). */
  get framesRun(): number {
    return this.#frames;
  }

  get speed(): Speed {
    return this.#speed;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#pacer = this.#speed === 'max' ? undefined : new Pacer(this.#speed, this.#now());
    this.#schedule(0);
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timeout);
    clearImmediate(this.#immediate);
    this.#timeout = undefined;
    this.#immediate = undefined;
  }

  setSpeed(speed: Speed): void {
    this.#speed = speed;
    if (this.#running) {
      this.stop();
      this.start();
    }
  }

  #schedule(ms: number): void {
    if (!this.#running) return;
    if (ms <= 0) {
      this.#immediate = setImmediate(() => this.#tick());
    } else {
      this.#timeout = setTimeout(() => this.#tick(), ms);
    }
  }

  #runOne(): boolean {
    const frame = this.#emulator.frame;
    try {
      this.#hooks.beforeFrame(frame);
      this.#emulator.step();
    } catch (err) {
      this.stop();
      this.#hooks.onFault(err as Error);
      return false;
    }
    this.#frames++;
    this.#hooks.afterFrame(this.#emulator.frame);
    return true;
  }

  #tick(): void {
    if (!this.#running) return;
    if (!this.#pacer) {
      const until = this.#now() + SLICE_MS;
      do {
        if (!this.#runOne()) return;
      } while (this.#now() < until);
      this.#schedule(0);
      return;
    }
    const due = Math.min(this.#pacer.due(this.#now()), MAX_FRAMES_PER_TICK);
    // Also bounded in time: at a speed the core can't reach, a tick must still yield after SLICE_MS.
    const until = this.#now() + SLICE_MS;
    let ran = 0;
    while (ran < due && this.#now() < until) {
      if (!this.#runOne()) return;
      ran++;
    }
    this.#pacer.ran(ran);
    this.#schedule(this.#pacer.msUntilNext(this.#now()));
  }
}
