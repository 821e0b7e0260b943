/**
 * A replay's clock over recorded time, ms from the start: anchored (position `anchorMs` was shown
 * at wall time `anchorWall`), moved by pause, resume, speed and seek. Time comes from an injected
 * monotonic clock; nothing here has a timer.
 */
export class PlaybackClock {
  readonly #now: () => number;
  readonly #durationMs: number;
  #anchorWall = 0;
  #anchorMs = 0;
  #speed: number;
  #paused = true;

  /** Starts paused at 0. */
  constructor(durationMs: number, speed = 1, now: () => number = () => performance.now()) {
    this.#durationMs = durationMs;
    this.#speed = speed;
    this.#now = now;
  }

  get speed(): number {
    return this.#speed;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get durationMs(): number {
    return this.#durationMs;
  }

  /** Recorded ms now (may pass the duration while running: the caller decides what the end does). */
  positionMs(): number {
    return this.#paused ? this.#anchorMs : this.#anchorMs + (this.#now() - this.#anchorWall) * this.#speed;
  }

  /** Whether playback has reached the end. */
  ended(): boolean {
    return this.positionMs() >= this.#durationMs;
  }

  pause(): void {
    if (this.#paused) return;
    this.#anchorMs = Math.min(this.positionMs(), this.#durationMs);
    this.#paused = true;
  }

  /** Runs on from where it is (from 0 when at the end). */
  resume(): void {
    if (!this.#paused) return;
    if (this.#anchorMs >= this.#durationMs) this.#anchorMs = 0;
    this.#anchorWall = this.#now();
    this.#paused = false;
  }

  setSpeed(speed: number): void {
    this.#anchorMs = this.positionMs();
    this.#anchorWall = this.#now();
    this.#speed = speed;
  }

  /** Moves to `ms` (clamped to 0..duration), running or paused as before. */
  seek(ms: number): void {
    this.#anchorMs = Math.max(0, Math.min(ms, this.#durationMs));
    this.#anchorWall = this.#now();
  }
}
