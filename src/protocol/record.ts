/**
 * Pure record codec: `uint32 BE length` + one msgpack map. No sockets, no clock. Browser-safe.
 */
import { Encoder, decode } from '@msgpack/msgpack';
import { DEFAULT_MAX_RECORD_BYTES, ErrorCode, LENGTH_PREFIX_BYTES } from './constants.js';
import { GbsError } from './errors.js';
import type { AnyMessage } from './messages.js';

// One encoder reused for every record: it keeps its scratch buffer between calls.
const encoder = new Encoder({ ignoreUndefined: true });

/** Encodes one message as a complete record (length prefix included) in a fresh buffer. */
export function encodeRecord(message: AnyMessage | Record<string, unknown>): Uint8Array {
  // A view into the encoder's scratch buffer, copied once just below: `encode()` would copy it
  // twice, and an agent batch of 8 gray screens is 184 KB (main-thread mark-compacts follow
  // the bytes of ArrayBuffers allocated).
  const body = encoder.encodeSharedRef(message);
  const out = new Uint8Array(LENGTH_PREFIX_BYTES + body.byteLength);
  new DataView(out.buffer).setUint32(0, body.byteLength, false);
  out.set(body, LENGTH_PREFIX_BYTES);
  return out;
}

const utf8 = new TextEncoder();

/**
 * The same record as `encodeRecord(message)`, in two pieces whose concatenation it is: the bytes
 * up to the binary field `last`, written as the map's last entry, and that field's bytes
 * themselves — not copied. A stream socket writes both at once (one `writev`), and a reader that
 * knows the field's size can receive it straight into its own buffer. A message whose `last` is
 * not binary, or with more than 14 other entries, is encoded whole (one piece).
 */
export function encodeRecordParts(message: AnyMessage | Record<string, unknown>, last: string): Uint8Array[] {
  const { [last]: tail, ...rest } = message as Record<string, unknown>;
  const key = utf8.encode(last);
  if (!(tail instanceof Uint8Array) || key.byteLength > 31) return [encodeRecord(message)];
  const body = encoder.encodeSharedRef(rest);
  const entries = body[0]! - 0x80;
  if (entries < 0 || entries > 14) return [encodeRecord(message)]; // not a fixmap that can take one more
  const bin = binHeader(tail.byteLength);
  const headBytes = body.byteLength + 1 + key.byteLength + bin.byteLength;
  const head = new Uint8Array(LENGTH_PREFIX_BYTES + headBytes);
  new DataView(head.buffer).setUint32(0, headBytes + tail.byteLength, false);
  head.set(body, LENGTH_PREFIX_BYTES);
  head[LENGTH_PREFIX_BYTES] = 0x80 + entries + 1;
  let at = LENGTH_PREFIX_BYTES + body.byteLength;
  head[at++] = 0xa0 + key.byteLength; // fixstr
  head.set(key, at);
  head.set(bin, at + key.byteLength);
  return [head, tail];
}

/** The msgpack header of a `bin` of `size` bytes, in its shortest form (as every encoder writes it). */
function binHeader(size: number): Uint8Array {
  if (size < 0x100) return Uint8Array.of(0xc4, size);
  if (size < 0x10000) return Uint8Array.of(0xc5, size >> 8, size & 0xff);
  const out = new Uint8Array(5);
  out[0] = 0xc6;
  new DataView(out.buffer).setUint32(1, size, false);
  return out;
}

/**
 * Decodes one record body (without its length prefix) into a map with a string `type`.
 * @throws GbsError with a code when the body is not msgpack, not a map, or has no `type`.
 */
export function decodeBody(body: Uint8Array): Record<string, unknown> & { type: string } {
  let value: unknown;
  try {
    value = decode(body);
  } catch (err) {
    throw new GbsError(ErrorCode.BadMsgpack, `record body is not valid msgpack: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new GbsError(ErrorCode.NotAMap, `record body must be a msgpack map, got ${describe(value)}`);
  }
  const type = (value as Record<string, unknown>)['type'];
  if (typeof type !== 'string') {
    throw new GbsError(ErrorCode.NoType, `record map must have a string "type", got ${describe(type)}`);
  }
  return value as Record<string, unknown> & { type: string };
}

/** The length prefix at `offset` as it stands (uint32 big-endian), unchecked. */
export function prefixLength(bytes: Uint8Array, offset = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, LENGTH_PREFIX_BYTES).getUint32(0, false);
}

/**
 * Reads the length prefix at `offset` and checks it against `maxRecordBytes`.
 * @throws GbsError(BadLength) for zero or over-limit lengths.
 */
export function readLength(bytes: Uint8Array, offset: number, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES): number {
  const length = prefixLength(bytes, offset);
  if (length === 0 || length > maxRecordBytes) {
    throw new GbsError(
      ErrorCode.BadLength,
      `record length ${length} is outside 1..${maxRecordBytes} (at byte ${offset})`,
    );
  }
  return length;
}

/**
 * Decodes a buffer that must hold whole records and nothing else (one WebSocket message).
 * @throws GbsError on a malformed record or a trailing partial record (code Truncated).
 */
export function decodeRecords(bytes: Uint8Array, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES): Array<Record<string, unknown> & { type: string }> {
  const out: Array<Record<string, unknown> & { type: string }> = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    if (bytes.byteLength - offset < LENGTH_PREFIX_BYTES) {
      throw new GbsError(ErrorCode.Truncated, `message ends inside a length prefix (${bytes.byteLength - offset} stray bytes)`);
    }
    const length = readLength(bytes, offset, maxRecordBytes);
    const start = offset + LENGTH_PREFIX_BYTES;
    if (start + length > bytes.byteLength) {
      throw new GbsError(
        ErrorCode.Truncated,
        `record at byte ${offset} claims ${length} bytes but only ${bytes.byteLength - start} follow`,
      );
    }
    out.push(decodeBody(bytes.subarray(start, start + length)));
    offset = start + length;
  }
  return out;
}

/** Short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `binary (${value.byteLength} bytes)`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${String(value)}`;
}
