/**
 * The record transport a viewer connection runs on, and its stream-socket adapter.
 *
 * A connection (viewer-socket.ts, connection.ts) knows records, not transports: it sends encoded
 * records, reads `bufferedAmount`, closes, pings, and takes messages of whole records. A `ws`
 * WebSocket is such a transport as it is (it frames messages itself). A stream socket (a Unix
 * socket from `serve --socket PATH`) carries the same length-prefixed records back to back with
 * no framing: `StreamTransport` cuts them out of the byte stream with the protocol's
 * RecordReader and hands each whole record on as one binary message, so limits, auth and
 * liveness stay decided once, above both.
 *
 * What /ws does with a bad peer, this does too: a length prefix over the connection's limit (what
 * `ws` refuses past `maxPayload`: 4 KiB before auth, the agents' 4 MiB after; message-limit.ts
 * sets it) gets an `error` record as soon as the prefix is in, and the socket is closed; a body that is not
 * msgpack is an ordinary bad message (answered, connection kept); half a record and then silence
 * misses the heartbeat's pong and is cut off like a WebSocket peer that stopped mid-frame; half a
 * record and then EOF gets GBS_ERR_TRUNCATED and is closed.
 */
import { EventEmitter } from 'node:events';
import type { Socket as NetSocket } from 'node:net';
import type { RawData } from 'ws';
import { CLOSE_ABNORMAL } from '../protocol/close-codes.js';
import { ErrorCode, MAX_AGENT_MESSAGE_BYTES } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import { RecordReader } from '../protocol/reader.js';
import { encodeRecord } from '../protocol/record.js';
import type { Socket } from './broadcaster.js';

/** What a viewer connection needs of its transport; a `ws` WebSocket fits it as it is. */
export interface RecordTransport extends Socket {
  /** Closes with a WebSocket close code and reason (a stream sends them as an `error` record first). */
  close(code?: number, reason?: string): void;
  /** Cuts the connection off now. */
  terminate(): void;
  /** Heartbeat: a live peer answers with `pong`. */
  ping(): void;
  on(event: 'message', listener: (data: RawData, isBinary: boolean) => void): this;
  on(event: 'pong', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'close', listener: (code: number) => void): this;
}

const OPEN = 1;
const CLOSED = 3;

export class StreamTransport extends EventEmitter implements RecordTransport {
  readonly #socket: NetSocket;
  // The agents' limit until message-limit.ts sets the connection's own, as ws's maxPayload.
  readonly #reader = new RecordReader({ maxRecordBytes: MAX_AGENT_MESSAGE_BYTES });
  #closed = false;
  /** Whether the partial record now buffered was already there at the last heartbeat. */
  #stalled = false;

  constructor(socket: NetSocket) {
    super();
    this.#socket = socket;
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('end', () => {
      if (this.#reader.bufferedBytes > 0) this.#refuse(ErrorCode.Truncated, `the stream ended inside a record (${this.#reader.bufferedBytes} bytes of it)`);
      else socket.end();
    });
    socket.on('error', (err) => this.emit('error', err));
    socket.on('close', () => {
      this.#closed = true;
      this.emit('close', CLOSE_ABNORMAL);
    });
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  get readyState(): number {
    return this.#closed || this.#socket.destroyed || !this.#socket.writable ? CLOSED : OPEN;
  }

  send(data: Uint8Array, cb?: (err?: Error) => void): void {
    if (this.readyState !== OPEN) {
      cb?.(new GbsError(ErrorCode.ConnectionClosed, 'socket closed'));
      return;
    }
    this.#socket.write(data, cb && ((err) => cb(err ?? undefined)));
  }

  /** The pieces of one record in one `writev` (corked), not joined first: an agent's screens go as they are. */
  sendParts(parts: readonly Uint8Array[], cb?: (err?: Error) => void): void {
    if (this.readyState !== OPEN) {
      cb?.(new GbsError(ErrorCode.ConnectionClosed, 'socket closed'));
      return;
    }
    this.#socket.cork();
    parts.forEach((part, i) => this.#socket.write(part, i === parts.length - 1 && cb ? (err) => cb(err ?? undefined) : undefined));
    this.#socket.uncork();
  }

  /**
   * The largest record this peer may send from now on, checked at each length prefix before the
   * body is buffered (what `maxPayload` is to a `ws` receiver). At most the agents' limit.
   */
  setMaxMessageBytes(bytes: number): void {
    this.#reader.maxRecordBytes = Math.min(bytes, MAX_AGENT_MESSAGE_BYTES);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState !== OPEN) return;
    this.#socket.end(encodeRecord({ type: 'error', code: ErrorCode.ConnectionClosed, message: `closing${code ? ` (${code})` : ''}: ${reason ?? 'bye'}` }));
    // A peer that never reads must not keep the socket: end() waits for the buffer to drain.
    setTimeout(() => this.#socket.destroy(), 1000).unref();
  }

  terminate(): void {
    this.#socket.destroy();
  }

  ping(): void {
    // The kernel reports a dead local peer at once; what the heartbeat must catch here is a peer
    // that stopped in the middle of a record. It gets no pong and is cut off like /ws's.
    const partial = this.#reader.bufferedBytes > 0;
    if (partial && this.#stalled) return;
    this.#stalled = partial;
    queueMicrotask(() => this.emit('pong'));
  }

  #data(chunk: Buffer): void {
    if (this.#closed) return;
    this.#stalled = false;
    this.#reader.append(chunk);
    for (;;) {
      let record: Uint8Array | undefined;
      try {
        record = this.#reader.nextBytes();
      } catch (err) {
        // A bad length leaves nothing to resynchronise on: answer once and close. A length the
        // agents could send is a well-formed record over this peer's limit, as /ws says it.
        const length = this.#reader.pendingLength() ?? 0;
        const limit = this.#reader.maxRecordBytes;
        if (length > limit && length <= MAX_AGENT_MESSAGE_BYTES) {
          this.#refuse(ErrorCode.TooLarge, `a record of ${length} bytes; this connection may send at most ${limit} before auth`);
        } else {
          this.#refuse(err instanceof GbsError ? err.code : ErrorCode.BadLength, err instanceof GbsError ? err.message : 'unreadable record');
        }
        return;
      }
      if (!record) return;
      this.emit('message', Buffer.from(record.buffer, record.byteOffset, record.byteLength), true);
      if (this.readyState !== OPEN) return;
    }
  }

  #refuse(code: ErrorCode, message: string): void {
    this.#closed = true;
    this.#socket.end(encodeRecord({ type: 'error', code, message }));
    setTimeout(() => this.#socket.destroy(), 1000).unref();
  }
}
