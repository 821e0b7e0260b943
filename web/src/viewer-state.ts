/**
 * Everything the viewer page remembers between events, in one place: connection and polling
 * status, the focused env's meters, the newest frame per env, ping bookkeeping and request ids.
 * No DOM: main.ts reads and updates it, tests drive it directly.
 */
import type { FrameFormat } from '../../src/protocol/messages.js';
import type { ConnState } from './connection.js';
import type { PollState } from './status.js';
import { RateWindow, RecentMean, Series } from './stats-window.js';

/** Pings kept waiting for their pong; older ones are forgotten (their pong no longer counts). */
export const MAX_PENDING_PINGS = 20;

export interface ShownFrame {
  data: Uint8Array;
  width: number;
  height: number;
  /** `frame.format`: which MIME type decodes `data` (absent: jpeg). */
  format?: FrameFormat;
}

export class ViewerState {
  /** The WebSocket's state, and when a reconnect is due (ms since epoch). */
  conn: ConnState = 'idle';
  retryAt = 0;
  /** The HTTP fallback's state, and when its next try is due. */
  poll: PollState = 'off';
  pollRetryAt = 0;
  /** Timer of the background WebSocket retry while the page runs on HTTP. */
  fallbackRetryTimer = 0;
  /** The server replays a recording (hello.replay). */
  isReplay = false;
  /** The latest `stats` record: `dropped` is this viewer's. */
  serverStats: { dropped: number; record: Record<string, unknown> } | undefined;
  /** Frames/s and latency of the focused env; restarted when the focus or the transport changes. */
  fps = new RateWindow(1000);
  latency = new RecentMean(10);
  readonly bytes = new RateWindow(1000);
  readonly fpsSeries = new Series(60);
  readonly latencySeries = new Series(60);
  /** The newest frame of every env, so a focus switch shows the new env at once. */
  readonly latestFrame = new Map<number, ShownFrame>();
  #pingId = 0;
  readonly #pings = new Map<number, number>();
  #commandId = 1000;

  /** Starts the focused env's frames/s and latency afresh. */
  resetMeters(): void {
    this.fps = new RateWindow(1000);
    this.latency = new RecentMean(10);
  }

  /** Registers a ping sent at `now` (ms since epoch) and returns its id. */
  nextPing(now: number): number {
    const id = ++this.#pingId;
    this.#pings.set(id, now);
    if (this.#pings.size > MAX_PENDING_PINGS) this.#pings.delete(this.#pings.keys().next().value as number);
    return id;
  }

  /** When ping `id` was sent, once: undefined for an unknown or forgotten id. */
  pong(id: number): number | undefined {
    const sent = this.#pings.get(id);
    this.#pings.delete(id);
    return sent;
  }

  /** A fresh id for a `command` this page sends. */
  nextCommandId(): number {
    return ++this.#commandId;
  }

  /** Drops the frames of envs that no longer exist. */
  keepFramesOf(has: (env: number) => boolean): void {
    for (const env of this.latestFrame.keys()) if (!has(env)) this.latestFrame.delete(env);
  }
}
