/**
 * Coalesced progress fan-out. Training numbers arrive as fast as a publisher sends them (an agent
 * with control may send thousands a second; `POST /api/progress` has no rate of its own) and
 * every one would go to every viewer as a never-dropped control record. Viewers chart a few
 * points a second, so the server publishes at most one `progress` per `intervalMs` (100 ms:
 * ~10/s): latest wins — a newer message replaces a waiting one — and the last message of a burst
 * always goes out, one interval after the previous. Clocks and timer are injected: pacing runs on
 * a monotonic clock (a wall clock set back an hour would stall progress for that hour), and only
 * the `ts` stamp reads the wall clock.
 */
import type { ProgressMessage } from '../protocol/messages.js';

/** Least time between two published progress messages (~10 per second). */
export const PROGRESS_INTERVAL_MS = 100;

export interface ProgressCoalescerOptions {
  publish(message: ProgressMessage): void;
  intervalMs?: number;
  /** Monotonic clock for pacing, ms (default `performance.now`). */
  now?: () => number;
  /** Wall clock for the `ts` of each message, ms since the epoch (default `Date.now`). */
  wallClock?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class ProgressCoalescer {
  readonly #o: ProgressCoalescerOptions;
  readonly #interval: number;
  readonly #now: () => number;
  readonly #wallClock: () => number;
  #latest: ProgressMessage | undefined;
  #waiting: ProgressMessage | undefined;
  #lastPublishedAt = -Infinity;
  #timer: unknown;
  #closed = false;

  constructor(options: ProgressCoalescerOptions) {
    this.#o = options;
    this.#interval = options.intervalMs ?? PROGRESS_INTERVAL_MS;
    this.#now = options.now ?? (() => performance.now());
    this.#wallClock = options.wallClock ?? Date.now;
  }

  /** The newest values offered (for viewers who join later and `GET /api/progress`). */
  get latest(): ProgressMessage | undefined {
    return this.#latest;
  }

  /** Offers new values from `source`; they go out now or with the next slot, unless superseded. */
  offer(values: Record<string, number>, source: string): void {
    if (this.#closed) return;
    const now = this.#now();
    this.#latest = { type: 'progress', ts: this.#wallClock(), source, values };
    if (this.#timer !== undefined) {
      this.#waiting = this.#latest;
      return;
    }
    const wait = this.#lastPublishedAt + this.#interval - now;
    if (wait <= 0) {
      this.#send(this.#latest, now);
      return;
    }
    this.#waiting = this.#latest;
    const setTimer = this.#o.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms).unref());
    this.#timer = setTimer(() => {
      this.#timer = undefined;
      const message = this.#waiting;
      this.#waiting = undefined;
      if (message && !this.#closed) this.#send(message, this.#now());
    }, wait);
  }

  #send(message: ProgressMessage, now: number): void {
    this.#lastPublishedAt = now;
    this.#o.publish(message);
  }

  /** Stops publishing; a waiting message is dropped. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) (this.#o.clearTimer ?? ((h: unknown) => clearTimeout(h as NodeJS.Timeout)))(this.#timer);
    this.#timer = undefined;
    this.#waiting = undefined;
  }
}
