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
    // One sent; the newest waits for the socket to drain; the eight between were superseded.
    expect(slow.sent).toBe(1);
    expect(slow.dropped).toBe(8);
    expect(slow.pendingFrames).toBe(1);
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
    b.broadcastFrame(new Uint8Array(1000));
    expect(c.sent).toBe(0);
    expect(c.dropped).toBe(1);
    c.socket.bufferedAmount = 0;
    b.broadcastFrame(new Uint8Array(1000));
    expect(c.sent).toBe(1);
    expect(c.dropped).toBe(2);
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

  it('latest frame wins per env: a slow client gets every env, not only the one that was first (issue 12 item 9)', () => {
    const b = new Broadcaster<FakeSocket>();
    const c = b.add(new FakeSocket());
    const frames = (env: number, round: number) => new Uint8Array([env, round]);
    // Env 1's frame always arrives while env 0's is in flight; the client drains once a round.
    for (let round = 0; round < 10; round++) {
      b.broadcastFrame(frames(0, round), 0);
      b.broadcastFrame(frames(1, round), 1);
      c.socket.flush();
    }
    const perEnv = [0, 1].map((env) => c.socket.sent.filter((d) => d[0] === env));
    expect(perEnv[0]!.length).toBeGreaterThanOrEqual(4);
    expect(perEnv[1]!.length).toBeGreaterThanOrEqual(4);
    // Each env's frames arrive in order and a superseded frame is counted as dropped.
    for (const sent of perEnv) expect(sent.map((d) => d[1])).toEqual([...sent.map((d) => d[1]!)].sort((x, y) => x - y));
    expect(c.sent + c.dropped + c.pendingFrames).toBe(20);
    expect(c.pendingFrames).toBeLessThanOrEqual(2);
  });

  it('keeps one frame in flight per client and sends a waiting env frame as soon as the socket drains', () => {
    const b = new Broadcaster<FakeSocket>();
    const c = b.add(new FakeSocket());
    b.broadcastFrame(new Uint8Array([0, 1]), 0);
    b.broadcastFrame(new Uint8Array([0, 2]), 0);
    b.broadcastFrame(new Uint8Array([0, 3]), 0);
    expect(c.socket.sent).toHaveLength(1);
    expect(c.dropped).toBe(1); // frame 2, superseded by frame 3 while waiting
    c.socket.flush();
    expect(c.socket.sent.map((d) => d[1])).toEqual([1, 3]);
    expect(c.pendingFrames).toBe(0);
  });

  it('a waiting frame of an env the client unsubscribed from is not sent', () => {
    const b = new Broadcaster<FakeSocket>();
    const c = b.add(new FakeSocket());
    b.broadcastFrame(new Uint8Array([0, 1]), 0);
    b.broadcastFrame(new Uint8Array([0, 2]), 0); // waits
    c.envs = new Set([1]);
    c.socket.flush();
    expect(c.socket.sent.map((d) => d[1])).toEqual([1]);
    expect(c.pendingFrames).toBe(0);
    expect([c.dropped, b.framesDropped]).toEqual([1, 1]); // offered, never delivered
  });

  it('counts the frames still waiting for a client that goes away as dropped, so totals add up', () => {
    const b = new Broadcaster<FakeSocket>();
    const c = b.add(new FakeSocket());
    for (const env of [0, 1, 2]) b.broadcastFrame(new Uint8Array([env, 1]), env); // env 0 in flight, 1 and 2 wait
    b.broadcastFrame(new Uint8Array([1, 2]), 1); // replaces env 1's waiting frame: dropped
    expect([c.sent, c.dropped, c.pendingFrames]).toEqual([1, 1, 2]);
    b.remove(c);
    expect([c.dropped, c.pendingFrames]).toEqual([3, 0]);
    expect(b.framesSent + b.framesDropped).toBe(b.published);
  });

  it('caps a subscription at its fps per env, on the injected clock', () => {
    const b = new Broadcaster<FakeSocket>();
    const c = b.add(new FakeSocket());
    c.maxFps = 2;
    for (let t = 0; t <= 2000; t += 100) {
      b.broadcastFrame(new Uint8Array([0, t / 100]), 0, t);
      c.socket.flush();
    }
    // 21 frames over 2 s at 10 fps; a 2 fps subscription gets those at 0, 500, 1000, 1500, 2000 ms.
    expect(c.socket.sent.map((d) => d[1])).toEqual([0, 5, 10, 15, 20]);
  });

  it('thumbnails: envs outside `envs` but in `thumbs` come at `thumbFps` and survive the unsubscribe check', () => {
    const b = new Broadcaster<FakeSocket>();
    const c = b.add(new FakeSocket());
    c.envs = new Set([0]);
    c.thumbs = new Set([1]);
    c.thumbFps = 2;
    for (let t = 0; t <= 1000; t += 100) {
      b.broadcastFrame(new Uint8Array([0, t / 100]), 0, t);
      b.broadcastFrame(new Uint8Array([1, t / 100]), 1, t); // waits behind env 0's frame, then goes
      b.broadcastFrame(new Uint8Array([2, t / 100]), 2, t); // neither focused nor a thumbnail
      c.socket.flush();
      c.socket.flush();
    }
    const of = (env: number) => c.socket.sent.filter((d) => d[0] === env).map((d) => d[1]);
    expect(of(0)).toHaveLength(11);
    expect(of(1)).toEqual([0, 5, 10]);
    expect(of(2)).toEqual([]);
  });
});

