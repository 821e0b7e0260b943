/**
 * Which emulated frames to publish: one per 1/fps of **wall** time, whatever the emulation speed.
 * The clock is injected so tests can drive it. The caller asks after every emulated frame and
 * copies the screen only when the answer is yes.
 */
export type Clock = () => number;

export class Sampler {
  readonly #intervalMs: number;
  readonly #clock: Clock;
  #next: number | undefined;

  constructor(fps: number, clock: Clock = () => performance.now()) {
    if (!(fps > 0)) throw new RangeError(`Expected fps > 0, got ${fps}`);
    this.#intervalMs = 1000 / fps;
    this.#clock = clock;
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** True when the frame that just finished should be published. */
  shouldPublish(): boolean {
    const now = this.#clock();
    if (this.#next === undefined) {
      this.#next = now + this.#intervalMs;
      return true;
    }
    if (now < this.#next) return false;
    this.#next += this.#intervalMs;
    // Fell more than one interval behind (slow emulation): keep cadence from now, don't burst.
    if (this.#next <= now) this.#next = now + this.#intervalMs;
    return true;
  }
}
