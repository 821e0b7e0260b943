import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { memoryByteSource, readRecordings, type RecordingItem } from '../src/record/file-reader.js';
import { buildIndex, openRecording } from '../src/record/index.js';
import { encodeRecord } from '../src/protocol/record.js';
import { ConfigError } from '../src/config-error.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

async function readAll(bytes: Uint8Array): Promise<RecordingItem[]> {
  const items: RecordingItem[] = [];
  for await (const item of readRecordings(memoryByteSource(bytes))) items.push(item);
  return items;
}

/** Offsets of the good fixture's records, from their length prefixes. */
async function goodOffsets(): Promise<number[]> {
  const good = await readFile(fixture('good.gbrec'));
  const offsets: number[] = [];
  for (let at = 0; at < good.length; at += 4 + good.readUInt32BE(at)) offsets.push(at);
  return offsets;
}

describe('reading recordings', () => {
  it('reads the good fixture: hello, 20 frames and one event, no damage', async () => {
    const items = await readAll(await readFile(fixture('good.gbrec')));
    expect(items.every((i) => i.kind === 'record')).toBe(true);
    expect(items).toHaveLength(22);
    const types = items.map((i) => (i.kind === 'record' ? i.message.type : i.kind));
    expect(types[0]).toBe('hello');
    expect(types.filter((t) => t === 'frame')).toHaveLength(20);
    expect(types.filter((t) => t === 'event')).toHaveLength(1);
    const offsets = await goodOffsets();
    expect(items.map((i) => i.offset)).toEqual(offsets);
  });

  it('stops at the truncated tail and says how many bytes, after which record', async () => {
    const bytes = await readFile(fixture('truncated.gbrec'));
    const items = await readAll(bytes);
    const offsets = await goodOffsets();
    const last = items[items.length - 1]!;
    expect(items.filter((i) => i.kind === 'record')).toHaveLength(21);
    expect(last).toMatchObject({ kind: 'truncated', offset: offsets[21], bytes: bytes.length - offsets[21]!, afterRecord: 20 });
    expect(last.kind === 'truncated' && last.message).toMatch(/truncated tail: \d+ bytes at byte \d+, after record 20/);
  });

  it('reports corrupt records with their offsets and codes and resyncs at the next record', async () => {
    const items = await readAll(await readFile(fixture('corrupted.gbrec')));
    const offsets = await goodOffsets();
    const issues = items.filter((i) => i.kind === 'corrupt');
    expect(issues).toEqual([
      expect.objectContaining({ offset: offsets[4], code: 'GBS_ERR_BAD_LENGTH', resyncAt: offsets[5], skipped: offsets[5]! - offsets[4]!, afterRecord: 3 }),
      expect.objectContaining({ offset: offsets[13], code: 'GBS_ERR_BAD_MSGPACK', resyncAt: offsets[14], skipped: offsets[14]! - offsets[13]! }),
    ]);
    // Every other record is still read, at its original offset.
    const recordOffsets = items.flatMap((i) => (i.kind === 'record' ? [i.offset] : []));
    expect(recordOffsets).toEqual(offsets.filter((_, k) => k !== 4 && k !== 13));
  });

  it('reports garbage with nothing valid after it as corrupt to the end, and a short tail as truncated', async () => {
    const hello = encodeRecord({ type: 'hello', protocol: 1 });
    const garbage = Buffer.concat([hello, Buffer.from([0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8])]);
    const items = await readAll(garbage);
    expect(items[1]).toMatchObject({ kind: 'corrupt', offset: hello.length, code: 'GBS_ERR_BAD_LENGTH', resyncAt: null, skipped: 12 });
    const short = await readAll(Buffer.concat([hello, Buffer.from([0, 0])]));
    expect(short[1]).toMatchObject({ kind: 'truncated', offset: hello.length, bytes: 2, afterRecord: 0 });
  });

  it('indexes frames for seeking by time', async () => {
    const recording = await openRecording(fixture('good.gbrec'));
    const { index } = recording;
    expect(index.frames).toHaveLength(20);
    expect(index.durationMs).toBe(1900);
    expect(index.frameAt(0)).toBe(0);
    expect(index.frameAt(1050)).toBe(11);
    expect(index.frameAt(5000)).toBe(20);
    // Bytes read back by offset are the record as stored.
    const file = await readFile(fixture('good.gbrec'));
    const f = index.frames[3]!;
    expect(Buffer.from(await recording.read(f)).equals(file.subarray(f.offset, f.offset + f.length))).toBe(true);
    await recording.close();
  });

  it('refuses files that are not recordings with a ConfigError', async () => {
    await expect(buildIndex(memoryByteSource(new Uint8Array(0)), 'x')).rejects.toThrow(/empty/);
    await expect(buildIndex(memoryByteSource(encodeRecord({ type: 'frame', ts: 1 })), 'x')).rejects.toThrow(ConfigError);
    await expect(openRecording(fixture('nope.gbrec'))).rejects.toThrow(/no such recording/);
  });
});
