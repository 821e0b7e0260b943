/**
 * The recorder: a record sink that writes exactly the bytes the broadcaster sends — the `hello`
 * record first (as a view-only client gets it), then every published frame and event record, in
 * order — to a `.gbrec` file.
 *
 * Contract (DESIGN §4): `frame()`/`event()` only append to an in-memory queue and return; they
 * never wait on the disk, so the emulator never does. The queue is bounded (bytes); when the
 * disk cannot keep up (the queue passes its cap) or a write fails (ENOSPC, EIO, …), the recorder
 * reports one `event` (level error, `GBS_ERR_RECORD_FAILED`) through `onEvent` and stops
 * recording. The stream carries on.
 *
 * Flush policy (crash safety): queued records are written to the file every `writeEveryMs`
 * (250 ms) in one `writev`, so a killed process (kill -9) loses at most that much; the file is
 * `fdatasync`ed every `syncEveryMs` (1 s), so a machine crash or power cut loses about a second.
 * A record is only ever written whole to the queue, so a file is readable up to its last whole
 * record; a crash mid-`writev` leaves at most a truncated tail, which readers report and skip.
 *
 * Rotation: with `maxBytes` or `maxMs`, a new file is started (hello first again) before the
 * record that would pass the limit; `nextPath` names it.
 */
import { open as openFile } from 'node:fs/promises';
import { ErrorCode } from '../protocol/constants.js';
import type { EventMessage, FrameMessage, HelloMessage } from '../protocol/messages.js';
import { encodeRecord } from '../protocol/record.js';

/** The part of a file the recorder uses; tests inject one that fails to force the disk-full case. */
export interface RecordFile {
  writev(chunks: Uint8Array[]): Promise<unknown>;
  datasync(): Promise<void>;
  close(): Promise<void>;
}

export type OpenRecordFile = (path: string) => Promise<RecordFile>;

/** Opens a real file for writing (truncating it), as a FileHandle. */
export const openRealFile: OpenRecordFile = (path) => openFile(path, 'w');

export const DEFAULT_QUEUE_CAP_BYTES = 64 * 1024 * 1024;
export const DEFAULT_WRITE_EVERY_MS = 250;
export const DEFAULT_SYNC_EVERY_MS = 1000;

export interface RecorderOptions {
  /** The hello the server sends; recorded with `control: false`. */
  hello: Omit<HelloMessage, 'control'>;
  /** Path of file number `index` (0 = the first); called once per file, rotation included. */
  nextPath(index: number, startedAt: Date): string;
  /** Called once when recording stops on a failure (and for rotation notices, level info). */
  onEvent(event: EventMessage): void;
  open?: OpenRecordFile;
  maxBytes?: number;
  maxMs?: number;
  queueCapBytes?: number;
  writeEveryMs?: number;
  syncEveryMs?: number;
  /** Wall clock for rotation by time (ms); injected by tests. */
  now?: () => number;
}

interface Segment {
  path: string;
  chunks: Uint8Array[];
}

export interface RecorderStats {
  /** Records accepted (hello records included). */
  records: number;
  bytesWritten: number;
  queuedBytes: number;
  files: string[];
  failed: boolean;
}

export class Recorder {
  readonly #o: RecorderOptions;
  readonly #helloBytes: Uint8Array;
  readonly #open: OpenRecordFile;
  readonly #cap: number;
  readonly #now: () => number;
  /** Segments waiting to be written; the first belongs to the open (or opening) file. */
  #segments: Segment[] = [];
  #file: RecordFile | undefined;
  #filePath: string | undefined;
  #fileIndex = 0;
  /** Bytes in the current segment (written + queued), and when it started: for rotation. */
  #segmentBytes = 0;
  #segmentStart = 0;
  #queued = 0;
  #records = 0;
  #written = 0;
  #files: string[] = [];
  #failed = false;
  #closed = false;
  #flushing: Promise<void> | undefined;
  #lastSync = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RecorderOptions) {
    this.#o = options;
    this.#open = options.open ?? openRealFile;
    this.#cap = options.queueCapBytes ?? DEFAULT_QUEUE_CAP_BYTES;
    this.#now = options.now ?? Date.now;
    this.#helloBytes = encodeRecord({ ...options.hello, control: false });
  }

  /** The hello record every file starts with. */
  get helloBytes(): Uint8Array {
    return this.#helloBytes;
  }

  get stats(): RecorderStats {
    return { records: this.#records, bytesWritten: this.#written, queuedBytes: this.#queued, files: [...this.#files], failed: this.#failed };
  }

  /**
   * Opens the first file and writes its hello. Errors here (no such directory, no permission)
   * are thrown: the caller refuses to start rather than stream without the recording asked for.
   */
  async start(): Promise<string> {
    this.#startSegment();
    const path = this.#segments[0]!.path;
    this.#file = await this.#open(path);
    this.#filePath = path;
    this.#files.push(path);
    this.#lastSync = performance.now();
    await this.#flush();
    this.#timer = setInterval(() => void this.#flush(), this.#o.writeEveryMs ?? DEFAULT_WRITE_EVERY_MS);
    this.#timer.unref();
    return path;
  }

  /** Queues a published frame record (the same bytes the broadcaster sent). */
  frame(record: Uint8Array, _message?: FrameMessage): void {
    this.#enqueue(record);
  }

  /** Queues an event record (encoded as the server encodes it). */
  event(message: EventMessage): void {
    this.#enqueue(encodeRecord(message));
  }

  #enqueue(record: Uint8Array): void {
    if (this.#failed || this.#closed || this.#segments.length === 0) return;
    if (this.#queued + record.byteLength > this.#cap) {
      this.#fail(`the disk cannot keep up: over ${Math.round(this.#cap / 1024 / 1024)} MiB of records are waiting to be written`);
      return;
    }
    if (this.#shouldRotate(record.byteLength)) this.#startSegment();
    this.#segments[this.#segments.length - 1]!.chunks.push(record);
    this.#queued += record.byteLength;
    this.#segmentBytes += record.byteLength;
    this.#records++;
  }

  #shouldRotate(size: number): boolean {
    // A file always holds at least one record after its hello, whatever the limits.
    if (this.#segmentBytes <= this.#helloBytes.byteLength) return false;
    const { maxBytes, maxMs } = this.#o;
    if (maxBytes !== undefined && this.#segmentBytes + size > maxBytes) return true;
    return maxMs !== undefined && this.#now() - this.#segmentStart >= maxMs;
  }

  #startSegment(): void {
    const startedAt = this.#now();
    const path = this.#o.nextPath(this.#fileIndex++, new Date(startedAt));
    this.#segments.push({ path, chunks: [this.#helloBytes] });
    this.#queued += this.#helloBytes.byteLength;
    this.#segmentBytes = this.#helloBytes.byteLength;
    this.#segmentStart = startedAt;
    this.#records++;
  }

  /** Writes what is queued; one flush at a time (a tick during a slow write is skipped). */
  #flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    this.#flushing = this.#drain()
      .catch((err: unknown) => this.#fail(`writing ${this.#filePath ?? 'the recording'} failed: ${describeError(err)}`))
      .finally(() => {
        this.#flushing = undefined;
      });
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    while (!this.#failed && this.#file && this.#segments.length > 0) {
      const segment = this.#segments[0]!;
      if (segment.path !== this.#filePath) {
        // Rotation: finish the old file, open the next; its hello is the segment's first chunk.
        const old = this.#file;
        this.#file = undefined;
        await old.datasync();
        await old.close();
        this.#file = await this.#open(segment.path);
        this.#filePath = segment.path;
        this.#files.push(segment.path);
      }
      const chunks = segment.chunks.splice(0);
      if (chunks.length > 0) {
        let bytes = 0;
        for (const c of chunks) bytes += c.byteLength;
        await this.#file.writev(chunks);
        this.#queued -= bytes;
        this.#written += bytes;
      }
      if (this.#segments.length > 1) this.#segments.shift();
      else break;
    }
    const now = performance.now();
    if (this.#file && !this.#failed && now - this.#lastSync >= (this.#o.syncEveryMs ?? DEFAULT_SYNC_EVERY_MS)) {
      this.#lastSync = now;
      await this.#file.datasync();
    }
  }

  #fail(reason: string): void {
    if (this.#failed) return;
    this.#failed = true;
    clearInterval(this.#timer);
    this.#segments = [];
    this.#queued = 0;
    const file = this.#file;
    this.#file = undefined;
    file?.close().catch(() => undefined);
    this.#o.onEvent({ type: 'event', ts: Date.now(), level: 'error', code: ErrorCode.RecordFailed, message: `recording stopped: ${reason}; the stream continues` });
  }

  /** Writes everything queued, syncs and closes the file. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#flushing;
    await this.#flush();
    const file = this.#file;
    this.#file = undefined;
    if (file && !this.#failed) {
      try {
        await file.datasync();
      } finally {
        await file.close();
      }
    }
  }
}

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code} (${e.message})` : String(e?.message ?? err);
}
