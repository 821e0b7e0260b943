/**
 * Streaming record reader: feed it chunks as they arrive, take whole records out.
 * Handles records split across chunks and several records in one chunk. Browser-safe.
 *
 *   const reader = new RecordReader();
 *   reader.append(chunk);
 *   for (let r = reader.next(); r; r = reader.next()) handle(r);
 */
import { DEFAULT_MAX_RECORD_BYTES, LENGTH_PREFIX_BYTES } from './constants.js';
import { decodeBody, prefixLength, readLength } from './record.js';

export interface ReaderOptions {
  /** Largest record body accepted; bigger length prefixes throw GbsError(BadLength). */
  maxRecordBytes?: number;
}

export class RecordReader {
  #maxRecordBytes: number;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #consumed = 0;

  constructor(options: ReaderOptions = {}) {
    this.#maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  /** Largest record body accepted from now on (a stream whose peer has just authenticated gets more). */
  set maxRecordBytes(bytes: number) {
    this.#maxRecordBytes = bytes;
  }

  get maxRecordBytes(): number {
    return this.#maxRecordBytes;
  }

  /** The length prefix of the record now arriving, unchecked; undefined before its 4 bytes are in. */
  pendingLength(): number | undefined {
    if (this.#buffered < LENGTH_PREFIX_BYTES) return undefined;
    return prefixLength(this.#peek(LENGTH_PREFIX_BYTES));
  }

  /** Bytes appended but not yet returned as records. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Total bytes consumed by returned records (the stream offset of the next record). */
  get offset(): number {
    return this.#consumed;
  }

  append(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.byteLength;
  }

  /**
   * Returns the next whole record, or undefined when more bytes are needed.
   * @throws GbsError on a bad length or undecodable body; the bad record's bytes stay buffered.
   */
  next(): (Record<string, unknown> & { type: string }) | undefined {
    const record = this.#whole();
    if (!record) return undefined;
    const message = decodeBody(record.subarray(LENGTH_PREFIX_BYTES));
    this.#skip(record.byteLength);
    return message;
  }

  /**
   * Returns the next whole record's bytes (length prefix and body) undecoded, or undefined when
   * more bytes are needed: a stream transport cuts records here and hands them on as messages.
   * @throws GbsError(BadLength) on a length over the limit; the bytes stay buffered.
   */
  nextBytes(): Uint8Array | undefined {
    const record = this.#whole();
    if (record) this.#skip(record.byteLength);
    return record;
  }

  /** The first whole buffered record (prefix and body), or undefined when it has not all arrived. */
  #whole(): Uint8Array | undefined {
    if (this.#buffered < LENGTH_PREFIX_BYTES) return undefined;
    const length = readLength(this.#peek(LENGTH_PREFIX_BYTES), 0, this.#maxRecordBytes);
    if (this.#buffered < LENGTH_PREFIX_BYTES + length) return undefined;
    return this.#peek(LENGTH_PREFIX_BYTES + length);
  }

  /** Returns the first `n` buffered bytes, merging chunks only when a record spans them. */
  #peek(n: number): Uint8Array {
    const first = this.#chunks[0]!;
    if (first.byteLength >= n) return first.subarray(0, n);
    const merged = new Uint8Array(this.#buffered);
    let at = 0;
    for (const chunk of this.#chunks) {
      merged.set(chunk, at);
      at += chunk.byteLength;
    }
    this.#chunks = [merged];
    return merged.subarray(0, n);
  }

  #skip(n: number): void {
    this.#buffered -= n;
    this.#consumed += n;
    let left = n;
    while (left > 0) {
      const first = this.#chunks[0]!;
      if (first.byteLength <= left) {
        this.#chunks.shift();
        left -= first.byteLength;
      } else {
        this.#chunks[0] = first.subarray(left);
        left = 0;
      }
    }
  }
}
