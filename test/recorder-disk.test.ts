/**
 * The recorder against a disk that misbehaves (issue 12, items 1–4): slow writes during a rotation,
 * short writes, failures while rotating, and the directory fsync after a new file. The disk is
 * the in-memory fake in helpers/fake-disk.ts; the "never overwrite" tests use real files.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../src/protocol/record.js';
import type { EventMessage, HelloMessage } from '../src/protocol/messages.js';
import { memoryByteSource, readRecordings } from '../src/record/file-reader.js';
import { fileSeriesPath } from '../src/record/naming.js';
import { Recorder, type RecorderOptions } from '../src/record/recorder.js';
import { FakeDisk } from './helpers/fake-disk.js';

const hello: Omit<HelloMessage, 'control'> = {
  type: 'hello', protocol: 1, server: 'test', envs: 1, fps: 10, width: 160, height: 144, speed: 1, map: null, fields: [], encoder: 'test',
  rom: { title: 'TEST', cgb: 'dmg', cartridgeType: 0, cartridgeName: 'ROM ONLY', size: 32768, sha1: '0', headerChecksumOk: true },
};
const helloBytes = encodeRecord({ ...hello, control: false });
const frameRecord = (seq: number, bytes = 200) =>
  encodeRecord({ type: 'frame', env: 0, seq, frame: seq, ts: 1000 + seq, width: 160, height: 144, format: 'jpeg', data: new Uint8Array(bytes).fill(seq & 0xff), state: {} });
const FRAME = frameRecord(0).byteLength;

function recorderOn(disk: FakeDisk, events: EventMessage[], extra: Partial<RecorderOptions> = {}): Recorder {
  // writeEveryMs is huge so only the test's flush() calls write: no timing in these tests.
  return new Recorder({ hello, nextPath: (i) => `/rec/${i}.gbrec`, onEvent: (e) => events.push(e), open: disk.open, syncDir: disk.syncDir, writeEveryMs: 1e9, ...extra });
}

async function seqs(bytes: Buffer): Promise<Array<string | number>> {
  const out: Array<string | number> = [];
  for await (const item of readRecordings(memoryByteSource(bytes))) {
    out.push(item.kind !== 'record' ? item.kind : item.message.type === 'frame' ? (item.message['seq'] as number) : item.message.type);
  }
  return out;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('recorder on a slow disk (item 1)', () => {
  it('keeps a record queued during a slow write that is followed by a rotation', async () => {
    const disk = new FakeDisk();
    const events: EventMessage[] = [];
    const recorder = recorderOn(disk, events, { maxBytes: helloBytes.byteLength + 2 * FRAME });
    await recorder.start();
    disk.slow = true;
    recorder.frame(frameRecord(1));
    const writing = recorder.flush();
    await tick();
    expect(disk.pendingWrites).toBe(1);
    // Arrives while frame 1's writev is on the disk: same file, then frame 3 starts file 1.
    recorder.frame(frameRecord(2));
    recorder.frame(frameRecord(3));
    disk.slow = false;
    disk.release();
    await writing;
    await recorder.close();
    expect(await seqs(disk.bytes('/rec/0.gbrec'))).toEqual(['hello', 1, 2]);
    expect(await seqs(disk.bytes('/rec/1.gbrec'))).toEqual(['hello', 3]);
    expect(recorder.stats.queuedBytes).toBe(0);
    expect(events).toEqual([]);
  });
});

describe('recorder and short writes (item 2)', () => {
  it('writes the rest after a short writev: the file holds every record whole', async () => {
    const disk = new FakeDisk();
    const recorder = recorderOn(disk, []);
    await recorder.start();
    for (let seq = 1; seq <= 3; seq++) recorder.frame(frameRecord(seq));
    // Cut in the middle of frame 2.
    disk.shortNext = FRAME + FRAME / 2;
    await recorder.flush();
    recorder.frame(frameRecord(4));
    await recorder.close();
    expect(await seqs(disk.bytes('/rec/0.gbrec'))).toEqual(['hello', 1, 2, 3, 4]);
    expect(recorder.stats.bytesWritten).toBe(helloBytes.byteLength + 4 * FRAME);
  });

  it('a short write whose rest fails stops recording loudly and leaves only whole records', async () => {
    const disk = new FakeDisk();
    const events: EventMessage[] = [];
    const recorder = recorderOn(disk, events);
    await recorder.start();
    for (let seq = 1; seq <= 3; seq++) recorder.frame(frameRecord(seq));
    disk.shortNext = FRAME + 10;
    disk.failWritesAfter = 1;
    await recorder.flush();
    await recorder.close();
    expect(events).toHaveLength(1);
    expect(events[0]!.message).toMatch(/ENOSPC/);
    const file = disk.bytes('/rec/0.gbrec');
    // Cut back to the last whole record: nothing truncated is left behind.
    expect(await seqs(file)).toEqual(['hello', 1]);
    expect(file.length).toBe(helloBytes.byteLength + FRAME);
    expect(disk.openHandles).toBe(0);
  });

  it('after a short write that was completed, a later failed write is cut back to a record boundary', async () => {
    const disk = new FakeDisk();
    const events: EventMessage[] = [];
    const recorder = recorderOn(disk, events);
    await recorder.start();
    for (let seq = 1; seq <= 3; seq++) recorder.frame(frameRecord(seq));
    disk.shortNext = FRAME + FRAME / 2; // cut in frame 2; the loop writes the rest
    await recorder.flush();
    for (let seq = 4; seq <= 5; seq++) recorder.frame(frameRecord(seq));
    disk.shortNext = FRAME + 10; // frame 4 whole, 10 bytes of frame 5, then the disk is full
    disk.failWritesAfter = 1;
    await recorder.flush();
    await recorder.close();
    expect(events).toHaveLength(1);
    const file = disk.bytes('/rec/0.gbrec');
    expect(await seqs(file)).toEqual(['hello', 1, 2, 3, 4]);
    expect(file.length).toBe(helloBytes.byteLength + 4 * FRAME);
  });

  it('a writev that keeps writing nothing (and reports no error) fails loudly instead of looping', async () => {
    const disk = new FakeDisk();
    const events: EventMessage[] = [];
    const recorder = recorderOn(disk, events);
    await recorder.start();
    recorder.frame(frameRecord(1));
    disk.writeNothing = true;
    await recorder.flush();
    await recorder.close();
    expect(events).toHaveLength(1);
    expect(events[0]!.message).toMatch(/wrote 0 of \d+ bytes/);
    expect(await seqs(disk.bytes('/rec/0.gbrec'))).toEqual(['hello']);
    expect(disk.openHandles).toBe(0);
  });
});

describe('recorder never overwrites a recording (item 3)', () => {
  it('refuses to start on an existing file and leaves it untouched', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbs-exist-'));
    const path = join(dir, 'run.gbrec');
    await writeFile(path, 'an earlier recording');
    const recorder = new Recorder({ hello, nextPath: (i) => fileSeriesPath(path, i), onEvent: () => undefined });
    await expect(recorder.start()).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(path, 'utf8')).toBe('an earlier recording');
  });

  it('rotation skips a name an earlier run left behind, and says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbs-exist-rot-'));
    const path = join(dir, 'run.gbrec');
    await writeFile(fileSeriesPath(path, 1), 'earlier run, file 1');
    const events: EventMessage[] = [];
    const recorder = new Recorder({ hello, maxBytes: helloBytes.byteLength + FRAME, nextPath: (i) => fileSeriesPath(path, i), onEvent: (e) => events.push(e), writeEveryMs: 1e9 });
    await recorder.start();
    recorder.frame(frameRecord(1));
    recorder.frame(frameRecord(2));
    await recorder.close();
    expect(await readFile(fileSeriesPath(path, 1), 'utf8')).toBe('earlier run, file 1');
    expect((await readdir(dir)).sort()).toEqual(['run-001.gbrec', 'run-002.gbrec', 'run.gbrec']);
    expect(await seqs(await readFile(fileSeriesPath(path, 2)))).toEqual(['hello', 2]);
    expect(recorder.stats.files).toEqual([path, fileSeriesPath(path, 2)]);
    expect(events.map((e) => e.message).join('\n')).toMatch(/run-001\.gbrec exists.*run-002\.gbrec/);
  });
});

describe('recorder rotation failures and durability (item 4)', () => {
  it('a failure while the next file is opening closes that file and writes nothing after failing', async () => {
    const disk = new FakeDisk();
    const events: EventMessage[] = [];
    const recorder = recorderOn(disk, events, { maxBytes: helloBytes.byteLength + FRAME, queueCapBytes: 20 * FRAME });
    await recorder.start();
    recorder.frame(frameRecord(1));
    recorder.frame(frameRecord(2)); // starts file 1
    disk.slowOpen = true;
    const writing = recorder.flush();
    for (let i = 0; i < 50 && disk.pendingOpens === 0; i++) await tick();
    expect(disk.pendingOpens).toBe(1);
    // The disk can't keep up: the queue overflows while file 1 is being created.
    for (let seq = 3; seq < 40; seq++) recorder.frame(frameRecord(seq));
    expect(events).toHaveLength(1);
    disk.releaseOpen();
    await writing;
    await recorder.close();
    expect(disk.openHandles).toBe(0);
    expect(disk.log.filter((l) => l.startsWith('writev /rec/1.gbrec'))).toEqual([]);
  });

  it('a failing sync of the old file during rotation closes it and opens nothing', async () => {
    const disk = new FakeDisk();
    const events: EventMessage[] = [];
    const recorder = recorderOn(disk, events, { maxBytes: helloBytes.byteLength + FRAME });
    await recorder.start();
    recorder.frame(frameRecord(1));
    recorder.frame(frameRecord(2));
    disk.failSync = true;
    await recorder.flush();
    await recorder.close();
    expect(events).toHaveLength(1);
    expect(events[0]!.message).toMatch(/EIO/);
    expect(disk.openHandles).toBe(0);
    expect(disk.files.has('/rec/1.gbrec')).toBe(false);
  });

  it('fsyncs the directory after creating a file, before writing to it', async () => {
    const disk = new FakeDisk();
    const recorder = recorderOn(disk, [], { maxBytes: helloBytes.byteLength + FRAME });
    await recorder.start();
    recorder.frame(frameRecord(1));
    recorder.frame(frameRecord(2));
    await recorder.close();
    const log = disk.log.filter((l) => !l.startsWith('datasync'));
    const at = (line: string) => log.indexOf(line);
    expect(at('open /rec/1.gbrec')).toBeGreaterThan(-1);
    expect(at('syncdir /rec')).toBeGreaterThan(-1);
    const rotated = log.slice(at('open /rec/1.gbrec'));
    expect(rotated.slice(0, 3)).toEqual(['open /rec/1.gbrec', 'syncdir /rec', 'writev /rec/1.gbrec']);
  });

  it('syncs on the injected clock, not on wall time', async () => {
    const disk = new FakeDisk();
    let now = 0;
    const recorder = recorderOn(disk, [], { now: () => now, syncEveryMs: 1000 });
    await recorder.start();
    const syncs = () => disk.log.filter((l) => l.startsWith('datasync')).length;
    const before = syncs();
    recorder.frame(frameRecord(1));
    now = 999;
    await recorder.flush();
    expect(syncs()).toBe(before);
    recorder.frame(frameRecord(2));
    now = 1000;
    await recorder.flush();
    expect(syncs()).toBe(before + 1);
    await recorder.close();
  });
});

describe('recorder hello per file (rotated hub recordings)', () => {
  it('starts a rotated file with the hello current then, so it replays with the newer env list', async () => {
    const disk = new FakeDisk();
    const env = (n: number) => ({ env: n, label: `env ${n}`, source: 'published' as const, live: true, width: 160, height: 144 });
    let current: Omit<HelloMessage, 'control'> = { ...hello, envs: 1, envList: [env(0)] };
    const recorder = recorderOn(disk, [], { hello: () => current, maxBytes: helloBytes.byteLength + 1.5 * FRAME });
    await recorder.start();
    recorder.frame(frameRecord(1));
    // A publisher came mid-run; the GBS_ENVS_CHANGED event went into file 0, not into file 1.
    current = { ...hello, envs: 2, envList: [env(0), env(1)] };
    recorder.frame(frameRecord(2)); // over maxBytes: file 1 starts here
    await recorder.flush();
    await recorder.close();
    const heads: Array<HelloMessage | undefined> = [];
    for (const path of ['/rec/0.gbrec', '/rec/1.gbrec']) {
      for await (const item of readRecordings(memoryByteSource(disk.bytes(path)))) {
        if (item.kind === 'record') heads.push(item.message as unknown as HelloMessage);
        break;
      }
    }
    expect(heads.map((h) => [h?.type, h?.envs, h?.envList?.length, h?.control])).toEqual([
      ['hello', 1, 1, false],
      ['hello', 2, 2, false],
    ]);
    expect(await seqs(disk.bytes('/rec/1.gbrec'))).toEqual(['hello', 2]);
  });
});

describe('recorder failing while a write is on the disk (review)', () => {
  it('a queue overflow during the rest of a short write keeps the records that write finished', async () => {
    const disk = new FakeDisk();
    const events: EventMessage[] = [];
    const recorder = recorderOn(disk, events, { queueCapBytes: 4 * FRAME });
    await recorder.start();
    for (let seq = 1; seq <= 3; seq++) recorder.frame(frameRecord(seq));
    // The first writev stops in the middle of frame 2; the loop then writes the rest on a slow disk.
    disk.shortNext = FRAME + FRAME / 2;
    disk.slow = true;
    const writing = recorder.flush();
    await tick();
    disk.release(); // the short write returns
    await tick();
    expect(disk.pendingWrites).toBe(1); // the rest (end of 2, then 3) is on the disk
    // Meanwhile the queue overflows: recording stops. The write on the disk still completes.
    for (let seq = 4; seq <= 8; seq++) recorder.frame(frameRecord(seq));
    expect(events).toHaveLength(1);
    disk.slow = false;
    disk.release();
    await writing;
    await recorder.close();
    // Frames 2 and 3 reached the disk whole; the cut-back must not remove them.
    expect(await seqs(disk.bytes('/rec/0.gbrec'))).toEqual(['hello', 1, 2, 3]);
    expect(disk.openHandles).toBe(0);
  });
});

describe('recorder failing while its first file opens (review)', () => {
  it('a queue overflow during start() closes the file that open() then returns', async () => {
    const disk = new FakeDisk();
    const events: EventMessage[] = [];
    const recorder = recorderOn(disk, events, { queueCapBytes: helloBytes.byteLength + 2 * FRAME });
    disk.slowOpen = true;
    const starting = recorder.start();
    await tick();
    expect(disk.pendingOpens).toBe(1);
    for (let seq = 1; seq <= 3; seq++) recorder.frame(frameRecord(seq)); // frame 3 passes the cap
    expect(events).toHaveLength(1);
    disk.releaseOpen();
    await expect(starting).rejects.toThrow(/failed/);
    await recorder.close();
    expect(disk.openHandles).toBe(0);
  });
});
