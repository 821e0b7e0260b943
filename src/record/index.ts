/**
 * An opened recording: one pass over the file when it is opened builds an index of every record
 * (offset, length, type, and for frames ts/seq/frame), so inspect reports from it, replay seeks
 * by time with a binary search, and export picks frames without rescanning. Frame bytes are read
 * back on demand by offset.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { ConfigError } from '../config-error.js';
import { ErrorCode, LENGTH_PREFIX_BYTES } from '../protocol/constants.js';
import { decodeBody, prefixLength } from '../protocol/record.js';
import type { EventMessage, HelloMessage } from '../protocol/messages.js';
import { fileByteSource, readRecordings, type ByteSource, type RecordingIssue } from './file-reader.js';

/** A hello is a few hundred bytes; a bigger first "record" means this is some other file. */
const MAX_HELLO_BYTES = 64 * 1024;

export interface IndexEntry {
  offset: number;
  /** Bytes including the length prefix. */
  length: number;
  type: string;
  /** Frames and events: capture time, ms since epoch. */
  ts?: number;
  env?: number;
  seq?: number;
  frame?: number;
  /** Frames: the image format of `data` (`jpeg` when the record does not say). */
  format?: string;
}

export interface FrameEntry extends IndexEntry {
  type: 'frame';
  ts: number;
  env: number;
  seq: number;
  frame: number;
}

export class RecordingIndex {
  readonly size: number;
  readonly hello: HelloMessage;
  readonly helloBytes: Uint8Array;
  /** Every whole record after the hello, in file order. */
  readonly entries: readonly IndexEntry[];
  readonly frames: readonly FrameEntry[];
  readonly events: readonly EventMessage[];
  readonly issues: readonly RecordingIssue[];

  constructor(init: { size: number; hello: HelloMessage; helloBytes: Uint8Array; entries: IndexEntry[]; events: EventMessage[]; issues: RecordingIssue[] }) {
    this.size = init.size;
    this.hello = init.hello;
    this.helloBytes = init.helloBytes;
    this.entries = init.entries;
    this.frames = init.entries.filter((e): e is FrameEntry => e.type === 'frame');
    this.events = init.events;
    this.issues = init.issues;
  }

  /** `ts` of the first frame (0 when there are none). */
  get startTs(): number {
    return this.frames[0]?.ts ?? 0;
  }

  get endTs(): number {
    return this.frames[this.frames.length - 1]?.ts ?? 0;
  }

  /** Recorded time from the first to the last frame, ms. */
  get durationMs(): number {
    return this.endTs - this.startTs;
  }

  /** Index into `frames` of the first frame at or after `ms` from the start (frames.length if none). */
  frameAt(ms: number): number {
    const target = this.startTs + ms;
    let lo = 0;
    let hi = this.frames.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.frames[mid]!.ts < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Builds the index from any byte source. @throws ConfigError when the bytes are not a recording. */
export async function buildIndex(source: ByteSource, name = 'the file'): Promise<RecordingIndex> {
  if (source.size === 0) throw new ConfigError(ErrorCode.NotARecording, `${name} is empty, not a gbstream recording`);
  // Check the first record before reading on, so a ROM or a photo is refused at once instead of
  // being scanned byte by byte for a resync point.
  if (!(await startsWithHello(source))) throw notARecording(name);
  let hello: HelloMessage | undefined;
  let helloBytes: Uint8Array | undefined;
  const entries: IndexEntry[] = [];
  const events: EventMessage[] = [];
  const issues: RecordingIssue[] = [];
  for await (const item of readRecordings(source)) {
    if (item.kind !== 'record') {
      if (!hello) throw notARecording(name);
      issues.push(item);
      continue;
    }
    const m = item.message;
    if (!hello) {
      if (item.index !== 0 || m.type !== 'hello' || item.offset !== 0) throw notARecording(name);
      hello = m as unknown as HelloMessage;
      helloBytes = item.bytes.slice();
      continue;
    }
    const entry: IndexEntry = { offset: item.offset, length: item.length, type: m.type };
    if (typeof m['ts'] === 'number') entry.ts = m['ts'];
    if (m.type === 'frame') {
      if (typeof m['ts'] !== 'number' || typeof m['seq'] !== 'number' || typeof m['frame'] !== 'number' || !(m['data'] instanceof Uint8Array)) {
        issues.push({ kind: 'corrupt', offset: item.offset, code: ErrorCode.BadField, skipped: item.length, resyncAt: item.offset + item.length, afterRecord: item.index - 1, message: `frame record at byte ${item.offset} lacks ts/seq/frame/data; skipped` });
        continue;
      }
      entry.env = typeof m['env'] === 'number' ? m['env'] : 0;
      entry.seq = m['seq'];
      entry.frame = m['frame'];
      // A recording may change format mid-run (a restart with another --format, a hub publisher).
      entry.format = typeof m['format'] === 'string' ? m['format'] : 'jpeg';
    } else if (m.type === 'event') {
      events.push(m as unknown as EventMessage);
    } else if (m.type === 'start' && typeof m['env'] === 'number') {
      entry.env = m['env']; // where an env's episodes begin in the file (export --episode of frames)
    }
    entries.push(entry);
  }
  if (!hello || !helloBytes) throw notARecording(name);
  return new RecordingIndex({ size: source.size, hello, helloBytes, entries, events, issues });
}

function notARecording(name: string): ConfigError {
  return new ConfigError(ErrorCode.NotARecording, `${name} is not a gbstream recording: it does not start with a whole hello record`);
}

async function startsWithHello(source: ByteSource): Promise<boolean> {
  if (source.size < LENGTH_PREFIX_BYTES) return false;
  const head = await source.read(0, LENGTH_PREFIX_BYTES);
  const length = prefixLength(head);
  if (length === 0 || length > MAX_HELLO_BYTES || LENGTH_PREFIX_BYTES + length > source.size) return false;
  try {
    return decodeBody(await source.read(LENGTH_PREFIX_BYTES, length)).type === 'hello';
  } catch {
    return false;
  }
}

/** An open recording file: its index, and its records' bytes by offset. */
export interface Recording {
  readonly path: string;
  readonly index: RecordingIndex;
  /** The raw bytes of a record (length prefix included), exactly as recorded. */
  read(entry: IndexEntry): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * The size of the recording file at `path`.
 * @throws ConfigError with one line quoting the path when it is missing, a directory or unreadable.
 */
export async function recordingSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new ConfigError(ErrorCode.NotARecording, `"${path}" is a directory, not a recording`);
    return info.size;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(ErrorCode.NotARecording, code === 'ENOENT' ? `no such recording: "${path}"` : `cannot read "${path}" (${code ?? String(err)})`);
  }
}

/**
 * Opens and indexes a recording.
 * @throws ConfigError with one line quoting the path when it is missing, a directory, empty or not
 * a recording.
 */
export async function openRecording(path: string): Promise<Recording> {
  const size = await recordingSize(path);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new ConfigError(ErrorCode.NotARecording, `cannot open "${path}" (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    const index = await buildIndex(fileByteSource(handle, size), `"${path}"`);
    return {
      path,
      index,
      async read(entry) {
        const bytes = new Uint8Array(entry.length);
        const { bytesRead } = await handle.read(bytes, 0, entry.length, entry.offset);
        if (bytesRead !== entry.length) throw new Error(`short read at byte ${entry.offset} of "${path}": the file changed since it was opened`);
        return bytes;
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
