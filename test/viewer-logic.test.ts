import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../src/protocol/record.js';
import { Backoff } from '../web/src/backoff.js';
import { ClockOffset, sampleFrom } from '../web/src/clock.js';
import { Connection, type ConnState, type SocketLike } from '../web/src/connection.js';
import { integerScale } from '../web/src/renderer.js';
import { RateWindow, RecentMean, Series } from '../web/src/stats-window.js';

describe('Backoff (full jitter)', () => {
  it('doubles the ceiling from 1 s up to the 30 s cap', () => {
    const b = new Backoff({ random: () => 1 });
    const delays = Array.from({ length: 8 }, () => b.next());
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('draws each delay uniformly in [0, ceiling]', () => {
    const b = new Backoff({ random: () => 0 });
    expect(b.next()).toBe(0);
    const half = new Backoff({ random: () => 0.5 });
    half.next();
    expect(half.next()).toBe(1000);
  });

  it('resets only after a stable minute', () => {
    const b = new Backoff({ random: () => 1 });
    b.next();
    b.next();
    b.connectionEnded(59_000);
    expect(b.next()).toBe(4000);
    b.connectionEnded(60_000);
    expect(b.next()).toBe(1000);
  });
});

describe('clock offset and latency', () => {
  it('estimates the offset from a symmetric round trip', () => {
    // Server clock runs 5000 ms ahead; 20 ms each way.
    const s = sampleFrom(1000, 1000 + 20 + 5000, 1040);
    expect(s).toEqual({ offsetMs: 5000, rttMs: 40 });
  });

  it('trusts the sample with the smallest round trip', () => {
    const c = new ClockOffset();
    c.add({ offsetMs: 5100, rttMs: 300 });
    c.add({ offsetMs: 5002, rttMs: 4 });
    c.add({ offsetMs: 4900, rttMs: 200 });
    expect(c.offsetMs).toBe(5002);
  });

  it('corrects frame latency by the offset', () => {
    const c = new ClockOffset();
    expect(c.latency(10_000, 10_030)).toBe(30); // no sample: uncorrected
    c.add({ offsetMs: 5000, rttMs: 2 });
    // Frame stamped at server time 15_000 arrives at local 10_030 = server 15_030.
    expect(c.latency(15_000, 10_030)).toBe(30);
  });
});

describe('stats windows', () => {
  it('measures a rate over the last second', () => {
    const w = new RateWindow(1000);
    for (let t = 0; t < 2000; t += 100) w.add(t, 10);
    expect(w.rate(1999)).toBe(100);
    expect(w.rate(5000)).toBe(0);
  });

  it('keeps a minute of per-second values', () => {
    const s = new Series(60);
    for (let i = 0; i < 100; i++) s.push(i);
    expect(s.values).toHaveLength(60);
    expect(s.values[0]).toBe(40);
    expect(s.max()).toBe(99);
  });

  it('averages the latest samples', () => {
    const m = new RecentMean(2);
    expect(m.value).toBeUndefined();
    m.add(10);
    m.add(20);
    m.add(40);
    expect(m.value).toBe(30);
  });
});

describe('integerScale', () => {
  it('picks the largest whole scale that fits, never below 1', () => {
    expect(integerScale(160, 144, 1280, 800)).toBe(5);
    expect(integerScale(160, 144, 360, 700)).toBe(2);
    expect(integerScale(160, 144, 100, 100)).toBe(1);
  });
});

class FakeSocket implements SocketLike {
  binaryType = 'blob';
  readyState = 0;
  sent: Uint8Array[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(data: Uint8Array) {
    this.sent.push(data);
  }
  close() {
    this.onclose?.({ code: 1000, reason: '' });
  }
}

describe('Connection state machine', () => {
  function setup() {
    const sockets: FakeSocket[] = [];
    const states: string[] = [];
    const records: string[] = [];
    const timers: Array<() => void> = [];
    const conn = new Connection({
      url: 'ws://x/ws',
      createSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      onRecord: (r) => records.push(r.type),
      onState: (s: ConnState, d) => states.push(d.retryInMs !== undefined ? `${s}(${d.retryInMs})` : s),
      backoff: new Backoff({ random: () => 1 }),
      maxAttempts: 3,
      setTimer: (fn) => timers.push(fn),
      clearTimer: () => undefined,
      now: () => 0,
    });
    return { conn, sockets, states, records, timers };
  }

  it('goes live, decodes records, reconnects with backoff and gives up after maxAttempts', () => {
    const { conn, sockets, states, records, timers } = setup();
    conn.start();
    expect(sockets[0]!.binaryType).toBe('arraybuffer');
    sockets[0]!.onopen!({});
    const two = new Uint8Array([...encodeRecord({ type: 'hello' }), ...encodeRecord({ type: 'frame' })]);
    sockets[0]!.onmessage!({ data: two.buffer });
    expect(records).toEqual(['hello', 'frame']);
    sockets[0]!.onclose!({ code: 1001, reason: 'bye' });
    timers.shift()!();
    sockets[1]!.onclose!({ code: 1006, reason: '' });
    timers.shift()!();
    sockets[2]!.onclose!({ code: 1006, reason: '' });
    timers.shift()!();
    sockets[3]!.onclose!({ code: 1006, reason: '' });
    expect(states).toEqual([
      'connecting', 'live', 'reconnecting(1000)', 'connecting', 'reconnecting(2000)', 'connecting', 'reconnecting(4000)', 'connecting', 'gone',
    ]);
    conn.retry();
    expect(conn.state).toBe('connecting');
  });

  it('queues nothing while disconnected', () => {
    const { conn, sockets } = setup();
    conn.start();
    expect(conn.send({ type: 'ping' })).toBe(false);
    sockets[0]!.onopen!({});
    expect(conn.send({ type: 'ping' })).toBe(true);
    sockets[0]!.onclose!({ code: 1006, reason: '' });
    expect(conn.send({ type: 'ping' })).toBe(false);
    expect(sockets[0]!.sent).toHaveLength(1);
  });

  it('reports bad server data without throwing', () => {
    const errors: string[] = [];
    const sockets: FakeSocket[] = [];
    const conn = new Connection({
      url: 'ws://x',
      createSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      onRecord: () => undefined,
      onState: () => undefined,
      onProtocolError: (m) => errors.push(m),
    });
    conn.start();
    sockets[0]!.onopen!({});
    sockets[0]!.onmessage!({ data: new Uint8Array([0, 0, 0, 5, 1]).buffer });
    expect(errors[0]).toMatch(/claims 5 bytes/);
  });

  it('refuses illegal transitions', () => {
    const { conn } = setup();
    conn.close();
    expect(() => conn.start()).toThrow(/illegal connection transition closed → connecting/);
  });
});

describe('replay controls logic', async () => {
  const { parseReplayInfo, formatPosition } = await import('../web/src/replay-controls.js');
  it('reads replay info from hello and ignores junk', () => {
    expect(parseReplayInfo({ durationMs: 61_500, frames: 615, startTs: 5 })).toEqual({ durationMs: 61_500, frames: 615, startTs: 5 });
    expect(parseReplayInfo(undefined)).toBeUndefined();
    expect(parseReplayInfo({ durationMs: 'long' })).toBeUndefined();
    expect(parseReplayInfo({ durationMs: -1 })).toBeUndefined();
  });
  it('formats positions as m:ss', () => {
    expect(formatPosition(61_500)).toBe('1:01');
    expect(formatPosition(-5)).toBe('0:00');
  });
});
