/**
 * The HTTP fallback transport: polls `GET api/health`, `GET api/state` and
 * `GET api/frame.jpg?env=N` (≈5/s) when WebSocket cannot be used (`api/frame.png` when health
 * says the stream is PNG: a fallback viewer sees the same lossless frames a socket would bring). Same latency policy as the
 * socket: each poll asks for the newest frame and a frame whose `x-gbstream-seq` was already
 * seen is not decoded again.
 *
 * While the server is unreachable it polls nothing but the health check, on the reconnect
 * backoff: a browser logs every failed request to the console, so hammering a dead server five
 * times a second would flood it. Frames are only asked for envs `api/state` lists, so a poll
 * never asks for a frame that does not exist yet (a 404 is logged too).
 *
 * I/O and time are injected (`fetch`, timers), so Node tests drive it with fakes.
 */
import { Backoff } from './backoff.js';

/** What the poller needs of a fetch Response. */
export interface ResponseLike {
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export type FetchLike = (url: string, init?: { cache?: 'no-store' }) => Promise<ResponseLike>;

export interface EnvSnapshot {
  seq?: number;
  frame?: number;
  ts?: number;
  state?: Record<string, unknown>;
}

export interface ProgressSnapshot {
  ts: number;
  source?: string;
  values: Record<string, unknown>;
}

export interface Health {
  ok?: boolean;
  rom?: string;
  envs?: number;
  /** The stream's image format (`--format`); absent from older servers, meaning jpeg. */
  format?: string;
  [key: string]: unknown;
}

export interface HttpPollerOptions {
  /** Base URL the API paths are resolved against (the page URL). */
  base: string;
  fetch: FetchLike;
  /** The env whose frames are wanted every poll; other envs take turns, one per poll. */
  focused: () => number;
  onHealth: (health: Health | undefined, retryInMs?: number) => void;
  onStates: (states: Record<string, EnvSnapshot>) => void;
  /** A frame's image bytes, in `format` (the one asked for: the stream's own). */
  onFrame: (env: number, image: Uint8Array, seq: number | undefined, format: 'jpeg' | 'png') => void;
  /** New training numbers from `GET api/progress` (asked with each health check). */
  onProgress?: (progress: ProgressSnapshot) => void;
  intervalMs?: number;
  /** Re-read health (env count) this often while healthy. */
  healthEveryMs?: number;
  backoff?: Backoff;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export const POLL_INTERVAL_MS = 200;
export const HEALTH_EVERY_MS = 2000;

export class HttpPoller {
  readonly #o: HttpPollerOptions;
  readonly #backoff: Backoff;
  readonly #lastSeq = new Map<number, number>();
  #running = false;
  #generation = 0;
  #timer: unknown;
  #healthy = false;
  #progressTs: number | undefined;
  #lastHealth = -Infinity;
  #turn = 0;
  #format: 'jpeg' | 'png' = 'jpeg';
  /** Completed polls and failed ones, for tests and the page. */
  polls = 0;
  failures = 0;

  constructor(options: HttpPollerOptions) {
    this.#o = options;
    this.#backoff = options.backoff ?? new Backoff();
  }

  get running(): boolean {
    return this.#running;
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#healthy = false;
    this.#lastHealth = -Infinity;
    this.#backoff.reset();
    this.#schedule(0);
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#generation++;
    (this.#o.clearTimer ?? clearTimeout)(this.#timer as ReturnType<typeof setTimeout>);
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  #schedule(ms: number): void {
    const gen = this.#generation;
    this.#timer = (this.#o.setTimer ?? setTimeout)(() => {
      if (this.#running && gen === this.#generation) void this.#poll(gen);
    }, ms);
  }

  async #get(path: string): Promise<ResponseLike> {
    const res = await this.#o.fetch(new URL(path, this.#o.base).href, { cache: 'no-store' });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return res;
  }

  async #poll(gen: number): Promise<void> {
    const started = this.#now();
    const current = () => this.#running && gen === this.#generation;
    try {
      if (!this.#healthy || started - this.#lastHealth >= (this.#o.healthEveryMs ?? HEALTH_EVERY_MS)) {
        const health = (await (await this.#get('api/health')).json()) as Health;
        if (!current()) return;
        this.#healthy = true;
        this.#lastHealth = started;
        this.#format = health.format === 'png' ? 'png' : 'jpeg';
        this.#backoff.reset();
        this.#o.onHealth(health);
        if (this.#o.onProgress) {
          // 204 (ok, no body) until somebody publishes; only a newer `ts` is news.
          const res = await this.#get('api/progress');
          const progress = res.status === 200 ? ((await res.json()) as ProgressSnapshot) : undefined;
          if (!current()) return;
          if (progress && typeof progress.ts === 'number' && progress.ts !== this.#progressTs) {
            this.#progressTs = progress.ts;
            this.#o.onProgress(progress);
          }
        }
      }
      const states = (await (await this.#get('api/state')).json()) as Record<string, EnvSnapshot>;
      if (!current()) return;
      this.#o.onStates(states);
      for (const env of this.#targets(states)) {
        const seq = states[String(env)]?.seq;
        if (seq !== undefined && this.#lastSeq.get(env) === seq) continue; // nothing new since the last poll
        const format = this.#format;
        const res = await this.#get(`api/frame.${format === 'png' ? 'png' : 'jpg'}?env=${env}`);
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (!current()) return;
        const header = res.headers.get('x-gbstream-seq');
        const frameSeq = header === null ? seq : Number(header);
        if (frameSeq !== undefined) this.#lastSeq.set(env, frameSeq);
        this.#o.onFrame(env, bytes, frameSeq, format);
      }
      this.polls++;
      this.#schedule(Math.max(0, (this.#o.intervalMs ?? POLL_INTERVAL_MS) - (this.#now() - started)));
    } catch {
      if (!current()) return;
      this.failures++;
      this.#healthy = false;
      const retryInMs = this.#backoff.next();
      this.#o.onHealth(undefined, retryInMs);
      this.#schedule(retryInMs);
    }
  }

  /** The focused env every poll, plus one other env in turn. Only envs that have a frame. */
  #targets(states: Record<string, EnvSnapshot>): number[] {
    const envs = Object.keys(states)
      .map(Number)
      .filter((e) => Number.isInteger(e) && e >= 0)
      .sort((a, b) => a - b);
    const focused = this.#o.focused();
    const out = envs.includes(focused) ? [focused] : [];
    const others = envs.filter((e) => e !== focused);
    if (others.length) out.push(others[this.#turn++ % others.length]!);
    return out;
  }
}
