/**
 * The viewer's connection: an explicit state machine that refuses illegal transitions
 * (idle → connecting → live → reconnecting → connecting … → gone), reconnect with backoff, and
 * **no queue while disconnected**: `send` returns false instead of buffering. Transport only:
 * records are decoded with the shared schema codec and handed on.
 *
 * A live socket that closes always goes to `reconnecting`: giving up (`gone`) counts only
 * attempts in a row that never opened. Short-lived connections (a server that accepts and
 * closes) still back off, because the backoff schedule resets only after a stable connection.
 */
import { CLOSE_NORMAL } from '../../src/protocol/close-codes.js';
import { decodeRecords, encodeRecord } from '../../src/protocol/record.js';
import { Backoff } from './backoff.js';

export type ConnState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'gone' | 'closed';

const ALLOWED: Record<ConnState, readonly ConnState[]> = {
  idle: ['connecting', 'closed'],
  connecting: ['live', 'reconnecting', 'gone', 'closed'],
  live: ['reconnecting', 'closed'],
  reconnecting: ['connecting', 'gone', 'closed'],
  gone: ['connecting', 'closed'],
  closed: [],
};

/** The part of the browser WebSocket we use (a fake in Node tests). */
export interface SocketLike {
  binaryType: string;
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export interface ConnectionOptions {
  url: string;
  createSocket: (url: string) => SocketLike;
  onRecord: (record: Record<string, unknown> & { type: string }, bytes: number) => void;
  onState: (state: ConnState, detail: { retryInMs?: number; code?: number; reason?: string }) => void;
  /** Bad data from the server: reported, never thrown. */
  onProtocolError?: (message: string) => void;
  backoff?: Backoff;
  /** Give up (state `gone`) after this many failed attempts in a row. */
  maxAttempts?: number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class Connection {
  readonly #o: ConnectionOptions;
  readonly #backoff: Backoff;
  #state: ConnState = 'idle';
  #socket: SocketLike | undefined;
  #timer: unknown;
  #openedAt = 0;
  /** Attempts in a row that closed before opening. */
  #failures = 0;

  constructor(options: ConnectionOptions) {
    this.#o = options;
    this.#backoff = options.backoff ?? new Backoff();
  }

  get state(): ConnState {
    return this.#state;
  }

  start(): void {
    this.#connect();
  }

  /** Sends one message if live; returns false (and sends nothing later) otherwise. */
  send(message: Record<string, unknown>): boolean {
    if (this.#state !== 'live' || !this.#socket) return false;
    this.#socket.send(encodeRecord(message));
    return true;
  }

  /** Manual retry from `gone`. */
  retry(): void {
    if (this.#state !== 'gone') return;
    this.#backoff.reset();
    this.#failures = 0;
    this.#connect();
  }

  close(): void {
    this.#o.clearTimer?.(this.#timer);
    this.#transition('closed', {});
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close(CLOSE_NORMAL, 'viewer closed');
  }

  #transition(next: ConnState, detail: Parameters<ConnectionOptions['onState']>[1]): void {
    if (!ALLOWED[this.#state].includes(next)) throw new Error(`illegal connection transition ${this.#state} → ${next}`);
    this.#state = next;
    this.#o.onState(next, detail);
  }

  #connect(): void {
    this.#transition('connecting', {});
    const socket = this.#o.createSocket(this.#o.url);
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      if (this.#socket !== socket) return;
      this.#openedAt = (this.#o.now ?? Date.now)();
      this.#failures = 0;
      this.#transition('live', {});
    };
    socket.onmessage = (ev) => {
      if (this.#socket !== socket || !(ev.data instanceof ArrayBuffer)) return;
      let records;
      try {
        records = decodeRecords(new Uint8Array(ev.data));
      } catch (err) {
        this.#o.onProtocolError?.((err as Error).message);
        return;
      }
      for (const r of records) this.#o.onRecord(r, ev.data.byteLength / records.length);
    };
    socket.onerror = () => {
      /* a close event always follows; handled there */
    };
    socket.onclose = (ev) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      if (this.#state === 'closed') return;
      const wasLive = this.#state === 'live';
      if (wasLive) this.#backoff.connectionEnded((this.#o.now ?? Date.now)() - this.#openedAt);
      else this.#failures++;
      if (!wasLive && this.#failures >= (this.#o.maxAttempts ?? 20)) {
        this.#transition('gone', { code: ev.code, reason: ev.reason });
        return;
      }
      const retryInMs = this.#backoff.next();
      this.#transition('reconnecting', { retryInMs, code: ev.code, reason: ev.reason });
      this.#timer = (this.#o.setTimer ?? setTimeout)(() => {
        if (this.#state === 'reconnecting') this.#connect();
      }, retryInMs);
    };
  }
}
