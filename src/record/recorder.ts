/**
 * The recorder: a record sink that writes exactly the bytes the broadcaster sends — the `hello`
 * record first (as a view-only client gets it), then every published frame and event record, in
 * order — to a `.gbrec` file.
 *
 * Contract (DESIGN §4): `frame()`/`event()` only append to an in-memory queue and return; they
 * never wait on the disk, so the emulator never does. The queue is bounded (bytes); when the
 * disk cannot keep up (the queue passes its cap) or a write fails (ENOSPC, EIO, a short write
 * whose rest fails, …), the recorder reports one `event` (level error, `GBS_ERR_RECORD_FAILED`)
 * through `onEvent` and stops recording. The stream carries on.
 *
 * Flush policy (crash safety): queued records are written to the file every `writeEveryMs`
 * (250 ms) in one `writev`, so a killed process (kill -9) loses at most that much; the file is
 * `fdatasync`ed every `syncEveryMs` (1 s, on the injected clock), so a machine crash or power cut
 * loses about a second. A new file's directory is fsynced once it exists, so a power cut cannot
 * lose the newest file's name.
 *
 * Whole records only: `writev` may write fewer bytes than asked without an error (libuv stops at
 * the first failing buffer), so the rest is written in a loop; if that fails, the file is cut back
 * to its last whole record before it is closed. A crash mid-write leaves at most a truncated tail,
 * which readers report and skip.
 *
 * Never overwrite: files are created with `wx`. The first file existing is an error (the caller
 * refuses to start); a rotated name that exists (an earlier run's `-001`) is skipped for the
 * next one, with an info event saying so.
 *
 * Rotation: with `maxBytes` or `maxMs`, a new file is started (hello first again) before the
 * record that would pass the limit; `nextPath` names it.
 */
import { open as openFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCode, EventCode } from '../protocol/constants.js';
import type { EventMessage, FrameMessage, HelloMessage, ServerMessage } from '../protocol/messages.js';
import { encodeRecord } from '../protocol/record.js';

/** The part of a file the recorder uses; tests inject fakes to force a slow, short or failing disk. */
export interface RecordFile {
  /** Like `FileHandle.writev`: may write fewer bytes than asked without an error. */
  writev(chunks: Uint8Array[]): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  /** Cuts a partly written record off the end after a failed write (best effort). */
  truncate?(length: number): Promise<void>;
  close(): Promise<void>;
}

export type OpenRecordFile = (path: string) => Promise<RecordFile>;

/** Creates a new file for writing; fails with EEXIST rather than truncate a recording. */
export const openRealFile: OpenRecordFile = (path) => openFile(path, 'wx');

/** fsyncs a directory, so a file just created in it survives a power cut. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await openFile(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems cannot fsync a directory; the data itself is still synced.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
  } finally {
    await handle.close();
  }
}

export const DEFAULT_QUEUE_CAP_BYTES = 64 * 1024 * 1024;
export const DEFAULT_WRITE_EVERY_MS = 250;
export const DEFAULT_SYNC_EVERY_MS = 1000;

export interface RecorderOptions {
  /**
   * The hello every file starts with, recorded with `control: false`. A function is called when
   * each file starts, so a rotated file carries the hello current then (a hub's env list changes
   * as publishers come and go, and a file is replayed on its own).
   */
  hello: Omit<HelloMessage, 'control'> | (() => Omit<HelloMessage, 'control'>);
  /** Path of file number `index` (0 = the first); called once per file tried, rotation included. */
  nextPath(index: number, startedAt: Date): string;
  /** Called once when recording stops on a failure, and for notices (level info). */
  onEvent(event: EventMessage): void;
  open?: OpenRecordFile;
  /** fsyncs a directory after a file is created in it (default: `syncDirectory`). */
  syncDir?: (dir: string) => Promise<void>;
  maxBytes?: number;
  maxMs?: number;
  queueCapBytes?: number;
  writeEveryMs?: number;
  syncEveryMs?: number;
  /** Clock (ms) for rotation by time and for the sync interval; injected by tests. */
  now?: () => number;
}

/** Records bound for one file; the first segment's file is the open one. */
interface Segment {
  startedAt: number;
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

/** Rotated names tried before giving up when each one exists already. */
const MAX_NAME_TRIES = 1000;

export class Recorder {
  readonly #o: RecorderOptions;
  /** The newest file's hello record. */
  #helloBytes: Uint8Array;
  readonly #open: OpenRecordFile;
  readonly #syncDir: (dir: string) => Promise<void>;
  readonly #cap: number;
  readonly #now: () => number;
  #segments: Segment[] = [];
  #file: RecordFile | undefined;
  #filePath: string | undefined;
  #fileIndex = 0;
  /** Bytes the open file holds, and where its last whole record ends (for a cut-back). */
  #fileBytes = 0;
  #wholeBytes = 0;
  /** Bytes on the disk of the record a short write cut in the middle (0 between records). */
  #headWritten = 0;
  /** Bytes in the newest segment (written + queued), and when it started: for rotation. */
  #segmentBytes = 0;
  #segmentStart = 0;
  #queued = 0;
  #records = 0;
  #written = 0;
  #files: string[] = [];
  #failed = false;
  #closed = false;
  #flushing: Promise<void> | undefined;
  #releasing: Promise<void> | undefined;
  #lastSync = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RecorderOptions) {
    this.#o = options;
    this.#open = options.open ?? openRealFile;
    this.#syncDir = options.syncDir ?? syncDirectory;
    this.#cap = options.queueCapBytes ?? DEFAULT_QUEUE_CAP_BYTES;
    this.#now = options.now ?? Date.now;
    this.#helloBytes = this.#encodeHello();
  }

  #encodeHello(): Uint8Array {
    const hello = typeof this.#o.hello === 'function' ? this.#o.hello() : this.#o.hello;
    return encodeRecord({ ...hello, control: false });
  }

  /** The hello record the newest file starts with. */
  get helloBytes(): Uint8Array {
    return this.#helloBytes;
  }

  get stats(): RecorderStats {
    return { records: this.#records, bytesWritten: this.#written, queuedBytes: this.#queued, files: [...this.#files], failed: this.#failed };
  }

  /**
   * Creates the first file and writes its hello. Errors here (no such directory, no permission,
   * the file exists) are thrown: the caller refuses to start rather than stream without the
   * recording asked for, or destroy an earlier one.
   */
  async start(): Promise<string> {
    this.#startSegment();
    await this.#openFile(this.#segments[0]!.startedAt, false);
    this.#lastSync = this.#now();
    await this.#flush();
    if (this.#failed) throw new Error(`writing ${this.#filePath} failed`);
    this.#timer = setInterval(() => void this.#flush(), this.#o.writeEveryMs ?? DEFAULT_WRITE_EVERY_MS);
    this.#timer.unref();
    return this.#filePath!;
  }

  /** Queues a published frame record (the same bytes the broadcaster sent). */
  readonly frame = (record: Uint8Array, _message?: FrameMessage): void => this.#enqueue(record);

  /** Queues an event record (encoded as the server encodes it). */
  event(message: EventMessage): void {
    this.#enqueue(encodeRecord(message));
  }

  /** Writes what is queued now (the timer does this every `writeEveryMs`). Never rejects. */
  flush(): Promise<void> {
    return this.#flush();
  }

  /** Queues an input-log record (start, inputs, checkpoint, episode): the recorder's alone. */
  readonly log = (record: Uint8Array): void => this.#enqueue(record);

  /** Queues another control record that viewers get too (e.g. the map's `positions`). */
  control(message: ServerMessage): void {
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
    this.#helloBytes = this.#encodeHello();
    this.#segments.push({ startedAt, chunks: [this.#helloBytes] });
    this.#queued += this.#helloBytes.byteLength;
    this.#segmentBytes = this.#helloBytes.byteLength;
    this.#segmentStart = startedAt;
    this.#records++;
  }

  /** Writes what is queued; one flush at a time (a tick during a slow write is skipped). */
  #flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    this.#flushing = (async () => {
      try {
        await this.#drain();
      } catch (err) {
        this.#fail(`writing ${this.#filePath ?? 'the recording'} failed: ${describeError(err)}`);
      }
      if (this.#failed) await this.#release();
    })().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** True while there is a file to write to; every await below is followed by this check. */
  #writing(): boolean {
    return !this.#failed && this.#file !== undefined;
  }

  async #drain(): Promise<void> {
    while (this.#writing() && this.#segments.length > 0) {
      const segment = this.#segments[0]!;
      if (segment.chunks.length > 0) {
        // Records that arrive during this write stay in the segment for the next turn.
        await this.#writeWhole(segment.chunks.splice(0));
      } else if (this.#segments.length > 1) {
        await this.#rotate();
      } else {
        break;
      }
    }
    const sinceSync = this.#now() - this.#lastSync;
    // A clock that went backwards (wall time set back) must not stop the syncing.
    if (this.#writing() && (sinceSync >= (this.#o.syncEveryMs ?? DEFAULT_SYNC_EVERY_MS) || sinceSync < 0)) {
      this.#lastSync = this.#now();
      await this.#file!.datasync();
    }
  }

  /** Writes every byte of `chunks` (one record each), looping over short writes. */
  async #writeWhole(chunks: Uint8Array[]): Promise<void> {
    const total = chunks.reduce((n, c) => n + c.byteLength, 0);
    this.#headWritten = 0; // these are whole records, after the last whole one
    let pending = chunks;
    while (pending.length > 0) {
      const asked = pending.reduce((n, c) => n + c.byteLength, 0);
      const { bytesWritten } = await this.#file!.writev(pending);
      if (!(bytesWritten > 0)) throw new Error(`the disk wrote ${bytesWritten} of ${asked} bytes without an error`);
      // Counted even when recording failed meanwhile: the cut-back must know what is on the disk.
      this.#fileBytes += bytesWritten;
      this.#written += bytesWritten;
      pending = this.#advance(pending, bytesWritten);
      if (this.#failed) return;
    }
    this.#queued -= total;
  }

  /**
   * Drops the bytes written from the front of `chunks` (the file already counts them) and moves
   * the last record boundary: the end of the file, less what is there of a record cut in the middle.
   */
  #advance(chunks: Uint8Array[], written: number): Uint8Array[] {
    let i = 0;
    while (i < chunks.length && written >= chunks[i]!.byteLength) {
      written -= chunks[i]!.byteLength;
      i++;
    }
    const rest = chunks.slice(i);
    if (written > 0) rest[0] = rest[0]!.subarray(written);
    // A record cut twice keeps its first part: only a completed head starts the count again.
    this.#headWritten = i > 0 ? written : this.#headWritten + written;
    this.#wholeBytes = this.#fileBytes - this.#headWritten;
    return rest;
  }

  /** Finishes the open file and opens the next segment's. */
  async #rotate(): Promise<void> {
    const old = this.#file!;
    await old.datasync();
    this.#file = undefined;
    await old.close();
    this.#segments.shift();
    if (this.#failed) return;
    await this.#openFile(this.#segments[0]!.startedAt, true);
  }

  /**
   * Creates the next file (skipping names that exist when `skipExisting`), fsyncs its directory,
   * and makes it the open file — at once, so a failure meanwhile still closes it.
   */
  async #openFile(startedAt: number, skipExisting: boolean): Promise<void> {
    const skipped: string[] = [];
    for (;;) {
      const path = this.#o.nextPath(this.#fileIndex++, new Date(startedAt));
      try {
        this.#file = await this.#open(path);
      } catch (err) {
        const exists = (err as NodeJS.ErrnoException).code === 'EEXIST';
        if (!skipExisting || !exists || skipped.length >= MAX_NAME_TRIES) throw err;
        skipped.push(path);
        continue;
      }
      this.#filePath = path;
      this.#fileBytes = 0;
      this.#wholeBytes = 0;
      this.#files.push(path);
      if (skipped.length > 0) {
        const message = `recording: ${skipped.join(', ')} ${skipped.length === 1 ? 'exists' : 'exist'} (an earlier recording, kept); writing ${path} instead`;
        this.#o.onEvent({ type: 'event', ts: Date.now(), level: 'info', code: EventCode.RecordRenamed, message });
      }
      if (this.#failed) return;
      await this.#syncDir(dirname(path));
      return;
    }
  }

  #fail(reason: string): void {
    if (this.#failed) return;
    this.#failed = true;
    clearInterval(this.#timer);
    this.#segments = [];
    this.#queued = 0;
    this.#o.onEvent({ type: 'event', ts: Date.now(), level: 'error', code: ErrorCode.RecordFailed, message: `recording stopped: ${reason}; the stream continues` });
    // A flush in progress releases the file when its current step returns.
    if (!this.#flushing) void this.#release();
  }

  /** After a failure: cuts a partly written record off the end, then closes the file. */
  #release(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    // No file now: one may be closing (wait for it), or still opening (the flush after it releases it).
    if (!file) return this.#releasing ?? Promise.resolve();
    this.#releasing = (async () => {
      if (this.#fileBytes > this.#wholeBytes) await file.truncate?.(this.#wholeBytes).catch(() => undefined);
      await file.close().catch(() => undefined);
    })();
    return this.#releasing;
  }

  /** Writes everything queued, syncs and closes the file. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#flushing;
    await this.#flush();
    if (this.#failed) {
      await this.#release();
      return;
    }
    const file = this.#file;
    this.#file = undefined;
    if (file) {
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
