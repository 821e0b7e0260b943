/**
 * Reads a recording: a sequence of records and nothing else. Yields each record with its byte
 * offset and raw bytes (replay sends them unchanged), and reports damage instead of failing:
 *
 * - a **truncated tail** (a crash mid-write): how many bytes, after which record; reading stops.
 * - a **corrupt record** in the middle (bad length, undecodable body): its offset and code, then
 *   reading **resyncs** at the next plausible record — a length prefix in range whose body
 *   decodes to a map with a known server `type`, followed by the end of the file or another
 *   in-range length prefix.
 *
 * It validates with the same pure codec functions the streaming `RecordReader` uses
 * (`readLength`, `decodeBody`). It does not wrap `RecordReader` itself because it needs what that
 * reader hides on purpose: each record's raw bytes and offset, and random access to scan forward
 * for a resync point. Bytes come through a `ByteSource` (a file read in 1 MiB windows, or memory).
 */
import type { FileHandle } from 'node:fs/promises';
import { DEFAULT_MAX_RECORD_BYTES, ErrorCode, LENGTH_PREFIX_BYTES } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import { SERVER_TYPES } from '../protocol/messages.js';
import { INPUT_LOG_TYPES } from '../protocol/input-log.js';
import { decodeBody, prefixLength } from '../protocol/record.js';

export type DecodedRecord = Record<string, unknown> & { type: string };

/** Random-access bytes. `read` returns a view that stays valid (windows are never reused). */
export interface ByteSource {
  readonly size: number;
  read(position: number, length: number): Promise<Uint8Array>;
}

export interface RecordItem {
  kind: 'record';
  /** 0-based record number in the file (damage does not count). */
  index: number;
  offset: number;
  /** Bytes including the length prefix. */
  length: number;
  message: DecodedRecord;
  bytes: Uint8Array;
}

export interface TruncatedIssue {
  kind: 'truncated';
  offset: number;
  /** Bytes of the partial record at the end of the file. */
  bytes: number;
  /** Index of the last whole record before it (-1: none). */
  afterRecord: number;
  message: string;
}

export interface CorruptIssue {
  kind: 'corrupt';
  offset: number;
  code: string;
  /** Bytes skipped from `offset` to the resync point (or to the end of the file). */
  skipped: number;
  /** Where reading resumed, or null when no valid record follows. */
  resyncAt: number | null;
  afterRecord: number;
  message: string;
}

export type RecordingIssue = TruncatedIssue | CorruptIssue;
export type RecordingItem = RecordItem | RecordingIssue;

const WINDOW_BYTES = 1024 * 1024;
const KNOWN_TYPES = new Set<string>([...SERVER_TYPES, ...INPUT_LOG_TYPES]);

/** Reads a file through windows of at least 1 MiB: sequential reads cost one syscall per window. */
export function fileByteSource(handle: FileHandle, size: number): ByteSource {
  let window = new Uint8Array(0);
  let windowStart = 0;
  return {
    size,
    async read(position, length) {
      if (position >= windowStart && position + length <= windowStart + window.byteLength) {
        return window.subarray(position - windowStart, position - windowStart + length);
      }
      const want = Math.min(Math.max(length, WINDOW_BYTES), size - position);
      const fresh = new Uint8Array(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(fresh, got, want - got, position + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      window = fresh.subarray(0, got);
      windowStart = position;
      return window.subarray(0, Math.min(length, got));
    },
  };
}

export function memoryByteSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.byteLength, read: async (position, length) => bytes.subarray(position, position + length) };
}

export interface ReadOptions {
  maxRecordBytes?: number;
}


/** Yields every record and every damage report, in file order. */
export async function* readRecordings(source: ByteSource, options: ReadOptions = {}): AsyncGenerator<RecordingItem> {
  const max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const { size } = source;
  let pos = 0;
  let index = 0;
  while (pos < size) {
    const remaining = size - pos;
    if (remaining < LENGTH_PREFIX_BYTES) {
      yield truncated(pos, remaining, index - 1, `the file ends inside a length prefix (${remaining} stray bytes)`);
      return;
    }
    const length = prefixLength(await source.read(pos, LENGTH_PREFIX_BYTES));
    let failure: { code: string; message: string };
    if (length === 0 || length > max) {
      failure = { code: ErrorCode.BadLength, message: `record length ${length} is outside 1..${max}` };
    } else if (pos + LENGTH_PREFIX_BYTES + length > size) {
      // Past the end: a record cut short by a crash, unless a valid record follows (then the
      // length itself is corrupt).
      const resyncAt = await findResync(source, pos + 1, max);
      if (resyncAt === null) {
        yield truncated(pos, remaining, index - 1, `the last record claims ${length} bytes but only ${remaining - LENGTH_PREFIX_BYTES} follow`);
        return;
      }
      yield corrupt(pos, ErrorCode.BadLength, `record length ${length} runs past the end of the file`, resyncAt, index - 1, size);
      pos = resyncAt;
      continue;
    } else {
      const bytes = await source.read(pos, LENGTH_PREFIX_BYTES + length);
      try {
        const message = decodeBody(bytes.subarray(LENGTH_PREFIX_BYTES));
        yield { kind: 'record', index: index++, offset: pos, length: bytes.byteLength, message, bytes };
        pos += bytes.byteLength;
        continue;
      } catch (err) {
        if (!(err instanceof GbsError)) throw err;
        failure = { code: err.code, message: err.message };
      }
    }
    const resyncAt = await findResync(source, pos + 1, max);
    yield corrupt(pos, failure.code, failure.message, resyncAt, index - 1, size);
    if (resyncAt === null) return;
    pos = resyncAt;
  }
}

/** First offset at or after `from` where a plausible record starts, or null. */
export async function findResync(source: ByteSource, from: number, max: number): Promise<number | null> {
  const { size } = source;
  for (let p = from; p + LENGTH_PREFIX_BYTES <= size; p++) {
    const length = prefixLength(await source.read(p, LENGTH_PREFIX_BYTES));
    // Cheap filters first: a random u32 is almost never a length that fits in the file.
    if (length === 0 || length > max || p + LENGTH_PREFIX_BYTES + length > size) continue;
    const next = p + LENGTH_PREFIX_BYTES + length;
    if (size - next >= LENGTH_PREFIX_BYTES) {
      const nextLength = prefixLength(await source.read(next, LENGTH_PREFIX_BYTES));
      if (nextLength === 0 || nextLength > max) continue;
    }
    const body = await source.read(p + LENGTH_PREFIX_BYTES, length);
    try {
      if (KNOWN_TYPES.has(decodeBody(body).type)) return p;
    } catch {
      // not a record boundary; keep scanning
    }
  }
  return null;
}

function truncated(offset: number, bytes: number, afterRecord: number, detail: string): TruncatedIssue {
  return { kind: 'truncated', offset, bytes, afterRecord, message: `truncated tail: ${bytes} bytes at byte ${offset}${afterRecord >= 0 ? `, after record ${afterRecord}` : ''}: ${detail}` };
}

function corrupt(offset: number, code: string, detail: string, resyncAt: number | null, afterRecord: number, size: number): CorruptIssue {
  const skipped = (resyncAt ?? size) - offset;
  const outcome = resyncAt === null ? `no valid record follows; ${skipped} bytes skipped to the end` : `${skipped} bytes skipped, resumed at byte ${resyncAt}`;
  return { kind: 'corrupt', offset, code, skipped, resyncAt, afterRecord, message: `corrupt record at byte ${offset} (${code}: ${detail}); ${outcome}` };
}
