import { describe, expect, it, vi } from 'vitest';
import { dueRecords, Player } from '../src/replay/player.js';
import type { IndexEntry } from '../src/record/index.js';

const frame = (ts: number): IndexEntry => ({ offset: ts, length: 1, type: 'frame', ts, env: 0, seq: ts, frame: ts });
const event = (ts: number): IndexEntry => ({ offset: ts, length: 1, type: 'event', ts });

describe('replay pacing', () => {
  const entries = [frame(0), frame(100), event(150), frame(200), frame(300)];

  it('sends what is due at recorded pace, scaled by speed', () => {
    expect(dueRecords(entries, 0, 1000, 1000, 0, 1)).toEqual({ send: [0], next: 1 });
    expect(dueRecords(entries, 1, 1099, 1000, 0, 1)).toEqual({ send: [], next: 1 });
    expect(dueRecords(entries, 1, 1100, 1000, 0, 1)).toEqual({ send: [1], next: 2 });
    // At 2× speed, ts 200 is due 100 ms after the anchor.
    expect(dueRecords(entries, 1, 1100, 1000, 0, 2)).toEqual({ send: [2, 3], next: 4 });
  });

  it('when behind, sends only the newest due frame but every event (latest frame wins)', () => {
    expect(dueRecords(entries, 0, 5000, 1000, 0, 1)).toEqual({ send: [2, 4], next: 5 });
  });

  it('never sends input-log records (states and buttons of a --record-mode both file) to viewers', () => {
    const log = (type: string, ts: number): IndexEntry => ({ offset: ts + 1, length: 1, type, ts, env: 0 }) as IndexEntry;
    const mixed = [log('start', 0), frame(0), log('inputs', 50), event(60), log('checkpoint', 70), log('episode', 80), frame(100)];
    expect(dueRecords(mixed, 0, 1000, 1000, 0, 1)).toEqual({ send: [1], next: 2 });
    expect(dueRecords(mixed, 2, 1100, 1000, 0, 1)).toEqual({ send: [3, 6], next: 7 });
  });
});

describe('replay with several envs and failing reads (issue 12 item 13)', () => {
  const envFrame = (env: number, ts: number): IndexEntry => ({ offset: env * 1000 + ts, length: 1, type: 'frame', ts, env, seq: ts, frame: ts });

  it('keeps the newest due frame of each env: envs captured in the same millisecond all go out', () => {
    const entries = [envFrame(0, 0), envFrame(1, 0), envFrame(2, 0), envFrame(0, 100), envFrame(1, 100), envFrame(2, 100)];
    expect(dueRecords(entries, 0, 1000, 1000, 0, 1)).toEqual({ send: [0, 1, 2], next: 3 });
    // Behind: only each env's newest, still in file order.
    expect(dueRecords(entries, 0, 5000, 1000, 0, 1)).toEqual({ send: [3, 4, 5], next: 6 });
  });

  it('after a read error playback carries on by itself, with no command needed', async () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const entries = [frame(0), frame(100), frame(200)];
      const sent: number[] = [];
      const errors: unknown[] = [];
      const player = new Player({
        entries,
        clock: () => now,
        read: async (e) => {
          if (e.ts === 0) throw Object.assign(new Error('i/o error'), { code: 'EIO' });
          return new Uint8Array([e.ts!]);
        },
        send: (e) => sent.push(e.ts!),
        onError: (err) => errors.push(err),
      });
      player.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(errors).toHaveLength(1);
      now = 100;
      await vi.advanceTimersByTimeAsync(100);
      now = 200;
      await vi.advanceTimersByTimeAsync(100);
      expect(sent).toEqual([100, 200]);
      player.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a read that fails after a seek does not clobber the newer pump (no overlapping sends)', async () => {
    let now = 0;
    const entries = [frame(0), frame(100), frame(200), frame(300)];
    const reads = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
    const sent: number[] = [];
    const player = new Player({
      entries,
      clock: () => now,
      read: (e) => new Promise((resolve, reject) => reads.set(e.ts!, { resolve, reject })),
      send: (e) => sent.push(e.ts!),
      onError: () => undefined,
    });
    player.start(); // reads ts 0 (slow)
    player.seek(200); // a newer pump reads ts 200 (slow too)
    expect([...reads.keys()]).toEqual([0, 200]);
    reads.get(0)!.reject(new Error('stale read failed'));
    await new Promise((r) => setImmediate(r));
    now = 100; // ts 300 is due now: it must wait for ts 200, not be read beside it
    player.setSpeed(1);
    expect([...reads.keys()]).toEqual([0, 200]);
    reads.get(200)!.resolve(new Uint8Array(1));
    await new Promise((r) => setImmediate(r));
    reads.get(300)?.resolve(new Uint8Array(1));
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([200, 300]);
    player.stop();
  });
});

describe('replay pacing on an injected clock (issue 12 item 17: no wall-clock assertions)', () => {
  async function play(speed: number, count = 20) {
    vi.useFakeTimers();
    const start = performance.now();
    const entries = Array.from({ length: count }, (_, k) => frame(k * 100));
    const sentAt: number[] = [];
    const clock = () => performance.now() - start; // faked with the timers
    const player = new Player({ entries, clock, speed, read: async () => new Uint8Array(1), send: () => sentAt.push(clock()) });
    player.start();
    await vi.advanceTimersByTimeAsync(10_000);
    player.stop();
    vi.useRealTimers();
    return sentAt;
  }

  it('at 1× sends each frame at its recorded time', async () => {
    const at = await play(1);
    expect(at).toHaveLength(20);
    at.forEach((t, k) => expect(t).toBeCloseTo(k * 100, 0));
  });

  it('at 4× plays 20 frames in a quarter of the time', async () => {
    const at = await play(4);
    expect(at).toHaveLength(20);
    expect(at.at(-1)! - at[0]!).toBeCloseTo(1900 / 4, 0);
  });

  it('pause holds playback still; resume carries on from where it paused', async () => {
    vi.useFakeTimers();
    try {
      const start = performance.now();
      const clock = () => performance.now() - start;
      const sent: number[] = [];
      const player = new Player({ entries: Array.from({ length: 10 }, (_, k) => frame(k * 100)), clock, read: async () => new Uint8Array(1), send: (e) => sent.push(e.ts!) });
      player.start();
      await vi.advanceTimersByTimeAsync(250);
      expect(sent).toEqual([0, 100, 200]);
      player.pause();
      await vi.advanceTimersByTimeAsync(5000);
      expect(sent).toEqual([0, 100, 200]);
      expect(player.positionMs).toBe(250);
      player.resume();
      await vi.advanceTimersByTimeAsync(50);
      expect(sent).toEqual([0, 100, 200, 300]);
      player.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
