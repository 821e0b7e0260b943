/**
 * Sliding-window statistics over the last `windowMs`: event rates (frames/s, bytes/s) and
 * per-second series for sparklines. Time is passed in, so it runs the same in Node tests.
 */
export class RateWindow {
  readonly #windowMs: number;
  #events: Array<{ t: number; amount: number }> = [];

  constructor(windowMs = 1000) {
    this.#windowMs = windowMs;
  }

  add(t: number, amount = 1): void {
    this.#events.push({ t, amount });
    this.#trim(t);
  }

  /** Amount per second over the window ending at `now`. */
  rate(now: number): number {
    this.#trim(now);
    let sum = 0;
    for (const e of this.#events) sum += e.amount;
    return (sum * 1000) / this.#windowMs;
  }

  #trim(now: number): void {
    const from = now - this.#windowMs;
    let drop = 0;
    while (drop < this.#events.length && this.#events[drop]!.t <= from) drop++;
    if (drop) this.#events.splice(0, drop);
  }
}

/** A fixed-length series of per-second values (a minute by default) for a sparkline. */
export class Series {
  readonly length: number;
  readonly values: number[] = [];

  constructor(length = 60) {
    this.length = length;
  }

  push(value: number): void {
    this.values.push(value);
    if (this.values.length > this.length) this.values.shift();
  }

  max(): number {
    return this.values.reduce((m, v) => (v > m ? v : m), 0);
  }

  /** The exact smallest and largest value (negative ones too); undefined when empty. */
  range(): { min: number; max: number } | undefined {
    if (this.values.length === 0) return undefined;
    let min = Infinity;
    let max = -Infinity;
    for (const v of this.values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { min, max };
  }
}

/** Running mean of the latest samples (latency display). */
export class RecentMean {
  readonly #keep: number;
  #values: number[] = [];

  constructor(keep = 20) {
    this.#keep = keep;
  }

  add(value: number): void {
    this.#values.push(value);
    if (this.#values.length > this.#keep) this.#values.shift();
  }

  get value(): number | undefined {
    if (this.#values.length === 0) return undefined;
    return this.#values.reduce((a, b) => a + b, 0) / this.#values.length;
  }
}
