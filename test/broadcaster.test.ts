import { describe, expect, it } from 'vitest';
import { highWaterFor, MIN_HIGH_WATER_BYTES, shouldSend } from '../src/server/backpressure.js';
import { Broadcaster, type Socket } from '../src/server/broadcaster.js';

/** A socket whose buffer we fill on purpose; `send` callbacks fire only when we say so. */
class FakeSocket implements Socket {
  bufferedAmount = 0;
  readyState = 1;
  sent: Uint8Array[] = [];
  pending: Array<() => void> = [];
  send(data: Uint8Array, cb?: (err?: Error) => void): void {
    this.sent.push(data);
    if (cb) this.pending.push(() => cb());
  }
  flush(): void {
    for (const cb of this.pending.splice(0)) cb();
  }
}

describe('shouldSend', () => {
  it('sends when idle and under the high-water mark', () => {
    expect(shouldSend({ bufferedAmount: 0, inFlight: false }, 5000)).toBe('send');
  });
  it('drops while a frame is in flight', () => {
    expect(shouldSend({ bufferedAmount: 0, inFlight: true }, 5000)).toBe('drop-in-flight');
  });
  it('drops when the queue plus the frame would pass about two frames', () => {
    expect(highWaterFor(100_000)).toBe(200_000);
    expect(highWaterFor(10)).toBe(MIN_HIGH_WATER_BYTES);
    expect(shouldSend({ bufferedAmount: 100_001, inFlight: false }, 100_000)).toBe('drop-buffered');
    expect(shouldSend({ bufferedAmount: 100_000, inFlight: false }, 100_000)).toBe('send');
  });
});

describe('Broadcaster', () => {
  it('drops frames for a slow client only, and never drops control records', () => {
    const b = new Broadcaster<FakeSocket>();
    const fast = b.add(new FakeSocket());
    const slow = b.add(new FakeSocket());
    const frame = new Uint8Array(1000);
    for (let i = 0; i < 10; i++) {
      b.broadcastFrame(frame);
      fast.socket.flush(); // the fast client drains between frames; the slow one never does
      b.broadcastControl(new Uint8Array([i]));
    }
    expect(fast.sent).toBe(10);
    expect(fast.dropped).toBe(0);
    expect(slow.sent).toBe(1);
    expect(slow.dropped).toBe(9);
    expect(slow.socket.sent.filter((d) => d.byteLength === 1)).toHaveLength(10);
    expect(b.published).toBe(10);
  });

  it('sends the same buffer object to every client', () => {
    const b = new Broadcaster<FakeSocket>();
    const c1 = b.add(new FakeSocket());
    const c2 = b.add(new FakeSocket());
    const frame = new Uint8Array(10);
    b.broadcastFrame(frame);
    expect(c1.socket.sent[0]).toBe(frame);
    expect(c2.socket.sent[0]).toBe(frame);
  });

  it('drops for a client whose user-space buffer is full even when nothing is in flight', () => {
    const b = new Broadcaster<FakeSocket>();
    const c = b.add(new FakeSocket());
    c.socket.bufferedAmount = 1_000_000;
    b.broadcastFrame(new Uint8Array(1000));
    expect(c.dropped).toBe(1);
    c.socket.bufferedAmount = 0;
    b.broadcastFrame(new Uint8Array(1000));
    expect(c.sent).toBe(1);
  });

  it('skips clients that are not open and forgets removed ones', () => {
    const b = new Broadcaster<FakeSocket>();
    const c = b.add(new FakeSocket());
    c.socket.readyState = 2;
    b.broadcastFrame(new Uint8Array(1));
    expect(c.socket.sent).toHaveLength(0);
    b.remove(c);
    expect(b.size).toBe(0);
  });
});
