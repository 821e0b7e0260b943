/**
 * Replay pacing: plays a recording's records at their recorded timestamps (scaled by `speed`),
 * with pause, resume, speed and seek. Knows no sockets: records go out through `send`, bytes come
 * in through `read`, time through an injected clock.
 *
 * Playback is anchored: recorded time `anchorTs` was (or will be) shown at wall time
 * `anchorWall`; a record is due at `anchorWall + (ts - anchorTs) / speed`. Pause, speed and seek
 * re-anchor. When several frames of an env are due at once (a slow disk, a high speed), only that
 * env's newest is sent — latest frame wins per env, as on the live stream — while events are
 * always sent. A record that cannot be read is reported and skipped; playback carries on.
 */
import type { IndexEntry } from '../record/index.js';
import { isInputLogType } from '../protocol/input-log.js';

/** Pause between the end of the recording and the start of the next loop (one frame at 10 fps). */
export const LOOP_GAP_MS = 100;

export interface PlayerOptions {
  /** Records to play, in file order; entries without a `ts` are skipped. */
  entries: readonly IndexEntry[];
  /** Raw bytes of a record (exactly as recorded). */
  read(entry: IndexEntry): Promise<Uint8Array>;
  send(entry: IndexEntry, bytes: Uint8Array): void;
  speed?: number;
  loop?: boolean;
  /** Wall clock, ms (monotonic). */
  clock?: () => number;
  /** Called each time playback reaches the end without looping. */
  onEnd?(): void;
  onError?(err: unknown): void;
}

/**
 * Which of `entries[from..]` are due at `now`: indices to send (events, and the newest due frame
 * of each env, in file order; never input-log records) and the index to continue from. Pure.
 */
export function dueRecords(entries: readonly IndexEntry[], from: number, now: number, anchorWall: number, anchorTs: number, speed: number): { send: number[]; next: number } {
  let last = from;
  while (last < entries.length) {
    const ts = entries[last]!.ts;
    if (ts !== undefined && anchorWall + (ts - anchorTs) / speed > now) break;
    last++;
  }
  const newestOfEnv = new Map<number, number>();
  for (let i = from; i < last; i++) {
    const e = entries[i]!;
    if (e.type === 'frame' && e.ts !== undefined) newestOfEnv.set(e.env ?? 0, i);
  }
  const newest = new Set(newestOfEnv.values());
  const send: number[] = [];
  for (let i = from; i < last; i++) {
    const e = entries[i]!;
    // Input-log records (machine states, buttons) are for re-rendering, not for viewers.
    if (e.ts === undefined || isInputLogType(e.type)) continue;
    if (e.type !== 'frame' || newest.has(i)) send.push(i);
  }
  return { send, next: last };
}

export class Player {
  readonly #o: PlayerOptions;
  readonly #entries: readonly IndexEntry[];
  readonly #clock: () => number;
  /** Indices into entries of the frames, for seeking. */
  readonly #frameIdx: number[] = [];
  readonly #startTs: number;
  #next = 0;
  #speed: number;
  #anchorWall = 0;
  #anchorTs = 0;
  #paused = true;
  #ended = false;
  #stopped = false;
  #busy = false;
  /** Started, or steered (pause, resume, seek) by someone: `cue` then leaves it alone. */
  #touched = false;
  /** Bumped by seek/stop so a read that finishes late is not sent. */
  #generation = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Frames sent, and frames skipped because a newer one was already due. */
  sent = 0;
  skipped = 0;

  constructor(options: PlayerOptions) {
    this.#o = options;
    this.#entries = options.entries;
    this.#clock = options.clock ?? (() => performance.now());
    this.#speed = options.speed ?? 1;
    this.#entries.forEach((e, i) => {
      if (e.type === 'frame' && e.ts !== undefined) this.#frameIdx.push(i);
    });
    this.#startTs = this.#entries[this.#frameIdx[0] ?? 0]?.ts ?? 0;
    // Not started yet: a `resume` plays from the first frame.
    this.#anchorTs = this.#startTs;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get speed(): number {
    return this.#speed;
  }

  /** Recorded ms from the first frame to the current playback position. */
  get positionMs(): number {
    const ts = this.#paused || this.#ended ? this.#anchorTs : this.#anchorTs + (this.#clock() - this.#anchorWall) * this.#speed;
    return Math.max(0, ts - this.#startTs);
  }

  /** Whether playback has been started or steered since construction. */
  get touched(): boolean {
    return this.#touched;
  }

  /** Starts playing from the beginning. */
  start(): void {
    this.#touched = true;
    this.#paused = false;
    this.#jumpTo(0);
  }

  /**
   * Starts playing from the beginning unless playback was started or steered already (a replay
   * waits for its first viewer; someone who paused or seeked first has the say). True when it started.
   */
  cue(): boolean {
    if (this.#touched || this.#stopped) return false;
    this.start();
    return true;
  }

  pause(): void {
    this.#touched = true;
    if (this.#paused) return;
    this.#anchorTs = this.#startTs + this.positionMs;
    this.#paused = true;
    // A frame being read now must not go out after the pause was acknowledged.
    this.#generation++;
    this.#busy = false;
    clearTimeout(this.#timer);
  }

  resume(): void {
    this.#touched = true;
    if (!this.#paused && !this.#ended) return;
    this.#paused = false;
    if (this.#ended) {
      this.#jumpTo(0);
      return;
    }
    this.#anchorWall = this.#clock();
    this.#pump();
  }

  setSpeed(speed: number): void {
    if (!this.#paused && !this.#ended) {
      this.#anchorTs = this.#startTs + this.positionMs;
      this.#anchorWall = this.#clock();
    }
    this.#speed = speed;
    clearTimeout(this.#timer);
    this.#pump();
  }

  /** Jumps to the first frame at or after `ms`; while paused, that frame is sent at once. */
  seek(ms: number): void {
    this.#touched = true;
    const target = this.#startTs + ms;
    let lo = 0;
    let hi = this.#frameIdx.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#entries[this.#frameIdx[mid]!]!.ts! < target) lo = mid + 1;
      else hi = mid;
    }
    this.#jumpTo(Math.min(lo, this.#frameIdx.length - 1));
  }

  stop(): void {
    this.#stopped = true;
    this.#generation++;
    clearTimeout(this.#timer);
  }

  /** Makes the `k`-th frame the next record, due now. */
  #jumpTo(k: number): void {
    clearTimeout(this.#timer);
    this.#generation++;
    this.#busy = false;
    this.#ended = false;
    const at = this.#frameIdx[k] ?? this.#entries.length;
    this.#next = at;
    this.#anchorTs = this.#entries[at]?.ts ?? this.#startTs;
    this.#anchorWall = this.#clock();
    if (this.#paused) {
      // Show where the seek landed: send that one frame, stay paused after it.
      const entry = this.#entries[at];
      if (entry) {
        this.#next = at + 1;
        this.#sendOne(entry, this.#generation).catch((err: unknown) => this.#o.onError?.(err));
      }
      return;
    }
    this.#pump();
  }

  #pump(): void {
    if (this.#paused || this.#busy || this.#stopped || this.#ended) return;
    const now = this.#clock();
    const { send, next } = dueRecords(this.#entries, this.#next, now, this.#anchorWall, this.#anchorTs, this.#speed);
    this.skipped += countFrames(this.#entries, range(this.#next, next)) - countFrames(this.#entries, send);
    this.#next = next;
    if (send.length > 0) {
      const generation = this.#generation;
      this.#busy = true;
      (async () => {
        for (const i of send) {
          // A record that cannot be read is reported and skipped; the rest of the batch goes on.
          await this.#sendOne(this.#entries[i]!, generation).catch((err: unknown) => this.#o.onError?.(err));
        }
      })().then(() => this.#sent(generation));
      return;
    }
    if (this.#next >= this.#entries.length) {
      if (this.#o.loop && this.#frameIdx.length > 0) {
        // A short gap before starting over, so a one-frame recording does not spin.
        this.#timer = setTimeout(() => this.#jumpTo(0), LOOP_GAP_MS);
      } else {
        this.#ended = true;
        this.#anchorTs = this.#entries[this.#frameIdx[this.#frameIdx.length - 1] ?? 0]?.ts ?? this.#startTs;
        this.#o.onEnd?.();
      }
      return;
    }
    const due = this.#anchorWall + (this.#entries[this.#next]!.ts! - this.#anchorTs) / this.#speed;
    this.#timer = setTimeout(() => this.#pump(), Math.max(0, Math.ceil(due - now)));
  }

  /** A batch of sends finished; a stale one (seek, pause, stop since) must not touch a newer pump. */
  #sent(generation: number): void {
    if (generation !== this.#generation) return;
    this.#busy = false;
    this.#pump();
  }

  async #sendOne(entry: IndexEntry, generation: number): Promise<void> {
    const bytes = await this.#o.read(entry);
    if (generation !== this.#generation || this.#stopped) return;
    this.#o.send(entry, bytes);
    if (entry.type === 'frame') this.sent++;
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
}

function countFrames(entries: readonly IndexEntry[], indices: readonly number[]): number {
  let n = 0;
  for (const i of indices) if (entries[i]!.type === 'frame' && entries[i]!.ts !== undefined) n++;
  return n;
}
