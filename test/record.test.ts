import { describe, expect, it } from 'vitest';
import { encode } from '@msgpack/msgpack';
import { ErrorCode } from '../src/protocol/constants.js';
import type { FrameMessage } from '../src/protocol/messages.js';
import { RecordReader } from '../src/protocol/reader.js';
import { decodeRecords, encodeRecord, encodeRecordParts } from '../src/protocol/record.js';
import { codeOf } from './helpers/code-of.js';

const frame: FrameMessage = {
  type: 'frame',
  env: 0,
  seq: 7,
  frame: 1234,
  ts: 1_790_000_000_123,
  width: 160,
  height: 144,
  format: 'jpeg',
  data: new Uint8Array([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]),
  state: { x: 10, y: 20, money: 3000 },
};

function rawRecord(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.byteLength);
  new DataView(out.buffer).setUint32(0, body.byteLength);
  out.set(body, 4);
  return out;
}


describe('encodeRecord', () => {
  it('writes a big-endian length prefix followed by the msgpack body', () => {
    const bytes = encodeRecord({ type: 'ping', id: 1 });
    const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, false);
    expect(length).toBe(bytes.byteLength - 4);
    expect(bytes.subarray(4)).toEqual(encode({ type: 'ping', id: 1 }));
  });

  it('round-trips a frame, keeping image bytes as binary', () => {
    const [decoded] = decodeRecords(encodeRecord(frame));
    expect(decoded).toEqual({ ...frame });
    expect((decoded as unknown as FrameMessage).data).toBeInstanceOf(Uint8Array);
  });

  it('returns independent buffers (reusing the encoder does not alias output)', () => {
    const a = encodeRecord({ type: 'ping', id: 1 });
    const copy = a.slice();
    encodeRecord({ type: 'ping', id: 2 });
    expect(a).toEqual(copy);
  });
});

describe('encodeRecordParts', () => {
  const batch = (size: number) => ({ type: 'obsBatch', id: 7, envs: [0, 1], frames: [3, 4], states: [{ x: 1 }, { x: 2 }], screen: new Uint8Array(size).map((_, i) => i % 251), screenFormat: 'gray', width: 160, height: 144 });

  it.each([10, 300, 23_040, 184_320])('is encodeRecord of the message with the field last, the field not copied (%i bytes)', (size) => {
    const message = batch(size);
    const parts = encodeRecordParts(message, 'screen');
    expect(parts).toHaveLength(2);
    expect(parts[1]).toBe(message.screen);
    const { screen, ...rest } = message;
    const joined = Buffer.concat(parts);
    expect(joined).toEqual(Buffer.from(encodeRecord({ ...rest, screen })));
    const [decoded] = decodeRecords(joined);
    expect(Object.keys(decoded!).at(-1)).toBe('screen');
    const { screen: got, ...others } = decoded as typeof message;
    expect(others).toEqual(rest);
    expect(Buffer.from(got)).toEqual(Buffer.from(message.screen));
  });

  it('encodes whole (one piece) what it cannot split', () => {
    expect(encodeRecordParts({ type: 'ack', id: 1, of: 'auth' }, 'screen')).toEqual([encodeRecord({ type: 'ack', id: 1, of: 'auth' })]);
    const wide = Object.fromEntries([['type', 'obsBatch'], ...Array.from({ length: 15 }, (_, i) => [`k${i}`, i]), ['screen', new Uint8Array(4)]]);
    expect(encodeRecordParts(wide, 'screen')).toEqual([encodeRecord(wide)]);
  });
});

describe('RecordReader', () => {
  const stream = new Uint8Array([...encodeRecord(frame), ...encodeRecord({ type: 'ping', id: 9 }), ...encodeRecord({ ...frame, seq: 8 })]);

  it('reads several records from one chunk', () => {
    const reader = new RecordReader();
    reader.append(stream);
    const types = [];
    for (let r = reader.next(); r; r = reader.next()) types.push(`${r.type}:${String(r['seq'] ?? r['id'])}`);
    expect(types).toEqual(['frame:7', 'ping:9', 'frame:8']);
    expect(reader.bufferedBytes).toBe(0);
    expect(reader.offset).toBe(stream.byteLength);
  });

  it('reads records split at every possible byte boundary', () => {
    for (let cut = 1; cut < stream.byteLength; cut++) {
      const reader = new RecordReader();
      const seen: string[] = [];
      for (const part of [stream.subarray(0, cut), stream.subarray(cut)]) {
        reader.append(part);
        for (let r = reader.next(); r; r = reader.next()) seen.push(r.type);
      }
      expect(seen, `cut at ${cut}`).toEqual(['frame', 'ping', 'frame']);
    }
  });

  it('reads a stream fed one byte at a time', () => {
    const reader = new RecordReader();
    const seen: string[] = [];
    for (const byte of stream) {
      reader.append(new Uint8Array([byte]));
      for (let r = reader.next(); r; r = reader.next()) seen.push(r.type);
    }
    expect(seen).toEqual(['frame', 'ping', 'frame']);
  });

  it('returns undefined on a short read instead of throwing', () => {
    const reader = new RecordReader();
    reader.append(stream.subarray(0, 3));
    expect(reader.next()).toBeUndefined();
    reader.append(stream.subarray(3, 20));
    expect(reader.next()).toBeUndefined();
  });

  it('refuses a zero length and an oversized length before buffering the body', () => {
    const zero = new RecordReader();
    zero.append(new Uint8Array([0, 0, 0, 0]));
    expect(codeOf(() => zero.next())).toBe(ErrorCode.BadLength);

    const huge = new RecordReader({ maxRecordBytes: 1024 });
    huge.append(new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2]));
    expect(codeOf(() => huge.next())).toBe(ErrorCode.BadLength);
  });

  it('reports malformed bodies with distinct codes', () => {
    const cases: Array<[Uint8Array, string]> = [
      [rawRecord(new Uint8Array([0xc1])), ErrorCode.BadMsgpack], // 0xc1 is never used in msgpack
      [rawRecord(encode([1, 2, 3])), ErrorCode.NotAMap],
      [rawRecord(encode('hello')), ErrorCode.NotAMap],
      [rawRecord(encode({ kind: 'frame' })), ErrorCode.NoType],
      [rawRecord(encode({ type: 42 })), ErrorCode.NoType],
    ];
    for (const [bytes, code] of cases) {
      const reader = new RecordReader();
      reader.append(bytes);
      expect(codeOf(() => reader.next())).toBe(code);
    }
  });
});

describe('RecordReader.nextBytes', () => {
  it('cuts whole records out of a stream undecoded, across chunk boundaries', () => {
    const a = encodeRecord({ type: 'ping', id: 1 });
    const b = encodeRecord({ type: 'ping', id: 2 });
    const stream = Buffer.concat([a, b]);
    const reader = new RecordReader();
    reader.append(stream.subarray(0, a.byteLength + 2));
    expect(Buffer.from(reader.nextBytes()!)).toEqual(Buffer.from(a));
    expect(reader.nextBytes()).toBeUndefined();
    reader.append(stream.subarray(a.byteLength + 2));
    expect(Buffer.from(reader.nextBytes()!)).toEqual(Buffer.from(b));
    expect(reader.bufferedBytes).toBe(0);
  });

  it('throws BadLength on a length over the limit and keeps the bytes', () => {
    const reader = new RecordReader({ maxRecordBytes: 16 });
    reader.append(new Uint8Array([0x80, 0, 0, 0, 1]));
    expect(() => reader.nextBytes()).toThrow(expect.objectContaining({ code: ErrorCode.BadLength }));
    expect(reader.bufferedBytes).toBe(5);
  });
});

describe('decodeRecords', () => {
  it('refuses a message that ends inside a record', () => {
    const bytes = encodeRecord(frame);
    expect(codeOf(() => decodeRecords(bytes.subarray(0, bytes.byteLength - 1)))).toBe(ErrorCode.Truncated);
    expect(codeOf(() => decodeRecords(new Uint8Array([0, 0])))).toBe(ErrorCode.Truncated);
  });

  it('honours the size limit it is given', () => {
    expect(codeOf(() => decodeRecords(encodeRecord(frame), 16))).toBe(ErrorCode.BadLength);
  });

  it('quotes the actual values in its messages', () => {
    expect(() => decodeRecords(new Uint8Array([0, 0, 0x10, 0, 1]), 100)).toThrow(/4096.*1\.\.100|1\.\.100.*4096/);
    let thrown: unknown;
    try {
      decodeRecords(new Uint8Array([0, 0, 0x10, 0, 1]), 100);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'GBS_ERR_BAD_LENGTH' });
  });
});
