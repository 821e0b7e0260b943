import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { diskFullAfterFirstWrite } from './helpers/failing-file.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Recorder, type RecordFile } from '../src/record/recorder.js';
import { dirRecordingPath, fileSeriesPath, sanitizeTitle, utcStamp } from '../src/record/naming.js';
import { memoryByteSource, readRecordings } from '../src/record/file-reader.js';
import { encodeRecord } from '../src/protocol/record.js';
import type { EventMessage, HelloMessage } from '../src/protocol/messages.js';

const hello: Omit<HelloMessage, 'control'> = {
  type: 'hello', protocol: 1, server: 'test', envs: 1, fps: 10, width: 160, height: 144, speed: 1, map: null, fields: [], encoder: 'test',
  rom: { title: 'TEST', cgb: 'dmg', cartridgeType: 0, cartridgeName: 'ROM ONLY', size: 32768, sha1: '0', headerChecksumOk: true },
};

const frameRecord = (seq: number, bytes = 100) =>
  encodeRecord({ type: 'frame', env: 0, seq, frame: seq, ts: 1000 + seq, width: 160, height: 144, format: 'jpeg', data: new Uint8Array(bytes).fill(seq & 0xff), state: {} });

async function types(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const item of readRecordings(memoryByteSource(await readFile(path)))) out.push(item.kind === 'record' ? item.message.type : item.kind);
  return out;
}

describe('recorder', () => {
  it('writes the hello (control false) and then every record, in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbs-rec-'));
    const events: EventMessage[] = [];
    const recorder = new Recorder({ hello, nextPath: () => join(dir, 'a.gbrec'), onEvent: (e) => events.push(e) });
    await recorder.start();
    const records = [frameRecord(0), frameRecord(1)];
    recorder.frame(records[0]!);
    const event: EventMessage = { type: 'event', ts: 5, level: 'info', code: 'X', message: 'm' };
    recorder.event(event);
    recorder.frame(records[1]!);
    await recorder.close();
    const file = await readFile(join(dir, 'a.gbrec'));
    expect(file.equals(Buffer.concat([encodeRecord({ ...hello, control: false }), records[0]!, encodeRecord(event), records[1]!]))).toBe(true);
    expect(events).toEqual([]);
  });

  it('rotates by size: every file starts with a hello, and together they hold every record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbs-rot-'));
    const recorder = new Recorder({ hello, maxBytes: 1000, nextPath: (i) => fileSeriesPath(join(dir, 'run.gbrec'), i), onEvent: () => undefined });
    await recorder.start();
    for (let seq = 0; seq < 20; seq++) recorder.frame(frameRecord(seq, 200));
    await recorder.close();
    const files = (await readdir(dir)).sort();
    expect(files.length).toBeGreaterThan(3);
    expect(files[0]).toBe('run-001.gbrec');
    expect(files).toContain('run.gbrec');
    let frames = 0;
    for (const f of files) {
      const t = await types(join(dir, f));
      expect(t[0]).toBe('hello');
      expect(t.slice(1).every((x) => x === 'frame')).toBe(true);
      expect((await readFile(join(dir, f))).length).toBeLessThanOrEqual(1000);
      frames += t.length - 1;
    }
    expect(frames).toBe(20);
  });

  it('rotates by time with an injected clock', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbs-rott-'));
    let now = 0;
    const recorder = new Recorder({ hello, maxMs: 60_000, now: () => now, nextPath: (i) => join(dir, `${i}.gbrec`), onEvent: () => undefined });
    await recorder.start();
    recorder.frame(frameRecord(0));
    now = 59_999;
    recorder.frame(frameRecord(1));
    now = 60_000;
    recorder.frame(frameRecord(2));
    await recorder.close();
    expect(await types(join(dir, '0.gbrec'))).toEqual(['hello', 'frame', 'frame']);
    expect(await types(join(dir, '1.gbrec'))).toEqual(['hello', 'frame']);
  });

  it('on a disk error (ENOSPC) reports one event, stops recording, and never throws to the caller', async () => {
    const events: EventMessage[] = [];
    const failing = diskFullAfterFirstWrite();
    const recorder = new Recorder({ hello, nextPath: () => 'x', open: async () => failing, syncDir: async () => undefined, onEvent: (e) => events.push(e) });
    await recorder.start();
    for (let seq = 0; seq < 5; seq++) recorder.frame(frameRecord(seq));
    await recorder.flush(); // what the write timer does, without waiting for it
    for (let seq = 5; seq < 10; seq++) recorder.frame(frameRecord(seq));
    await recorder.close();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'event', level: 'error', code: 'GBS_ERR_RECORD_FAILED' });
    expect(events[0]!.message).toMatch(/ENOSPC/);
    expect(recorder.stats.failed).toBe(true);
  });

  it('when the disk cannot keep up, the bounded queue overflows into one event instead of growing', async () => {
    const events: EventMessage[] = [];
    const stuck: RecordFile = { writev: () => new Promise(() => undefined), datasync: async () => undefined, close: async () => undefined };
    const recorder = new Recorder({ hello, nextPath: () => 'x', open: async () => stuck, syncDir: async () => undefined, onEvent: (e) => events.push(e), queueCapBytes: 10_000 });
    // start() writes the hello: with a disk that never answers, do not wait for it.
    void recorder.start();
    await new Promise((r) => setImmediate(r));
    for (let seq = 0; seq < 200; seq++) recorder.frame(frameRecord(seq));
    expect(events).toHaveLength(1);
    expect(events[0]!.message).toMatch(/cannot keep up/);
    expect(recorder.stats.queuedBytes).toBe(0);
  });

  it('names files by UTC time and sanitised ROM title, never reusing one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbs-name-'));
    const at = new Date(Date.UTC(2024, 4, 1, 12, 30, 5, 123));
    expect(utcStamp(at)).toBe('20240501T123005Z');
    expect(sanitizeTitle('POKEMON RED/../x')).toBe('pokemon-red-x');
    expect(sanitizeTitle('***')).toBe('rom');
    const first = dirRecordingPath(dir, 'POKEMON RED', at);
    expect(first).toBe(join(dir, '20240501T123005Z-pokemon-red.gbrec'));
    const recorder = new Recorder({ hello, nextPath: () => first, onEvent: () => undefined });
    await recorder.start();
    await recorder.close();
    expect(dirRecordingPath(dir, 'POKEMON RED', at)).toBe(join(dir, '20240501T123005Z-pokemon-red-1.gbrec'));
    expect(fileSeriesPath('a/b.gbrec', 2)).toBe('a/b-002.gbrec');
  });
});
