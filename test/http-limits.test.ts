/**
 * Issue 12 item 11: `/metrics` counters that never go down, MJPEG readers with a cap and the
 * WebSocket's liveness rules, and `?env=` of a missing env answered 404. The API handler runs on
 * a real HTTP server; the stalled MJPEG reader is a fake response (a socket that must be full),
 * swept on an injected clock.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '../src/app/serve.js';
import { createApiHandler } from '../src/http/api.js';
import { createMetrics } from '../src/http/metrics.js';
import { MjpegStreams, type MjpegResponse } from '../src/http/mjpeg.js';
import type { FrameMessage } from '../src/protocol/messages.js';
import { Broadcaster, type Socket } from '../src/server/broadcaster.js';
import { LatestFrames } from '../src/store/latest-frames.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

const frame = (env: number, seq: number): FrameMessage => ({ type: 'frame', env, seq, frame: seq, ts: seq, width: 160, height: 144, format: 'jpeg', data: new Uint8Array([0xff, 0xd8, seq & 0xff, 0xff, 0xd9]), state: {} });

/** A response whose socket never drains once full: `write` returns false from the first part on. */
class StuckResponse extends EventEmitter implements MjpegResponse {
  writableLength = 0;
  ended = false;
  destroyed = false;
  writes = 0;
  status = 0;
  writeHead(status: number): this {
    this.status = status;
    return this;
  }
  flushHeaders(): void {}
  write(chunk: Uint8Array): boolean {
    this.writes++;
    this.writableLength += chunk.byteLength;
    return false;
  }
  end(): this {
    this.ended = true;
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    this.emit('close');
    return this;
  }
}

class FakeSocket implements Socket {
  bufferedAmount = 0;
  readyState = 1;
  send(_data: Uint8Array, cb?: (err?: Error) => void): void {
    cb?.();
  }
}

let http: Server | undefined;
afterEach(async () => {
  http?.closeAllConnections();
  await new Promise((r) => (http ? http.close(r) : r(undefined)));
  http = undefined;
});

async function apiServer(latest: LatestFrames, envCount: number, maxReaders: number): Promise<string> {
  const metrics = createMetrics({ clients: () => 0, framesPublished: () => 0, framesSent: () => 0, framesDropped: () => 0, emulatorFps: () => [] });
  const handler = createApiHandler({ latest, metrics, envCount, health: () => ({}), mjpeg: { maxReaders } });
  http = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => http!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

describe('monotonic frame counters (item 11)', () => {
  it('the broadcaster keeps totals that include clients that left', () => {
    const b = new Broadcaster<FakeSocket>();
    const c = b.add(new FakeSocket());
    b.broadcastFrame(new Uint8Array(10));
    b.broadcastFrame(new Uint8Array(10));
    expect(b.framesSent).toBe(2);
    b.remove(c);
    expect(b.framesSent).toBe(2);
    expect(b.framesDropped).toBe(0);
  });

  it('/metrics frames_sent_total does not go down when a client leaves', async () => {
    const serving = await serve(testServeOptions());
    try {
      const client = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
      await client.waitFor((m) => m.type === 'frame' && (m['seq'] as number) >= 2, 15_000);
      const sentTotal = async () => Number(/^gbstream_frames_sent_total (\d+)/m.exec(await (await fetch(new URL('/metrics', serving.server.url))).text())![1]);
      const before = await sentTotal();
      expect(before).toBeGreaterThanOrEqual(1);
      client.ws.close();
      await client.closed;
      while (serving.server.broadcaster.size > 0) await new Promise((r) => setTimeout(r, 10));
      expect(await sentTotal()).toBeGreaterThanOrEqual(before);
    } finally {
      await serving.stop();
    }
  });
});

describe('MJPEG readers (item 11)', () => {
  it('?env= of an env that does not exist is 404, for the stream and the frame', async () => {
    const latest = new LatestFrames();
    latest.set(frame(0, 1));
    const base = await apiServer(latest, 2, 4);
    const stream = await fetch(`${base}/stream.mjpg?env=5`);
    expect(stream.status).toBe(404);
    expect(await stream.json()).toMatchObject({ error: 'GBS_ERR_NO_SUCH_ENV' });
    expect((await fetch(`${base}/api/frame.jpg?env=5`)).status).toBe(404);
    // Env 1 exists but has not published: the stream is open and waits for its first frame.
    const ac = new AbortController();
    const waiting = await fetch(`${base}/stream.mjpg?env=1`, { signal: ac.signal });
    expect(waiting.status).toBe(200);
    ac.abort();
  });

  it('caps concurrent readers: one over the cap gets 503', async () => {
    const latest = new LatestFrames();
    const base = await apiServer(latest, 1, 2);
    const aborts = [new AbortController(), new AbortController()];
    const open = await Promise.all(aborts.map((ac) => fetch(`${base}/stream.mjpg`, { signal: ac.signal })));
    expect(open.map((r) => r.status)).toEqual([200, 200]);
    const over = await fetch(`${base}/stream.mjpg`);
    expect(over.status).toBe(503);
    expect(over.headers.get('retry-after')).toBeTruthy();
    for (const ac of aborts) ac.abort();
  });

  it('lets go of a reader that has not drained for the stall deadline, and frees its place', () => {
    let now = 0;
    const latest = new LatestFrames();
    const streams = new MjpegStreams(latest, { maxReaders: 1, stallMs: 10_000, byteCap: 1 << 20, now: () => now });
    const stuck = new StuckResponse();
    expect(streams.serve(stuck, 0)).toBe(true);
    latest.set(frame(0, 1)); // written; the socket reports full
    latest.set(frame(0, 2)); // skipped: latest wins while it drains
    expect(stuck.writes).toBe(1);
    now = 9_000;
    streams.sweep();
    expect(stuck.destroyed).toBe(false);
    now = 10_001;
    expect(streams.sweep()).toBe(1);
    expect(stuck.destroyed).toBe(true);
    expect(streams.size).toBe(0);
    const next = new StuckResponse();
    expect(streams.serve(next, 0)).toBe(true);
    expect(next.status).toBe(200);
    streams.close();
  });
});
