/**
 * Backpressure with real sockets: a real `ws` server, one real client that reads, and a raw TCP
 * client that completes the WebSocket handshake and then never reads. On loopback the kernel
 * absorbs megabytes before `bufferedAmount` moves, so the frames here are large (200 KB at 30/s).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/log.js';
import { encodeRecord } from '../src/protocol/record.js';
import { startServer, type StreamServer } from '../src/server/server.js';
import { TestClient } from './helpers/ws-client.js';

const FRAME_BYTES = 200_000;
const FPS = 30;

let server: StreamServer;
let publisher: NodeJS.Timeout;
let published = 0;
const terminated: string[] = [];

/** Completes a WebSocket handshake over raw TCP and then stops reading. */
function neverReadingClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.once('data', (head) => {
      if (!head.toString().startsWith('HTTP/1.1 101')) reject(new Error(`handshake failed: ${head.toString()}`));
      socket.pause(); // from here on, never read
      resolve(socket);
    });
    socket.on('error', () => undefined);
  });
}

beforeAll(async () => {
  const log = silentLogger();
  const origWarn = log.warn.bind(log);
  log.warn = ((obj: unknown, msg?: string) => {
    if (msg === 'terminating stuck client') terminated.push((obj as { reason: string }).reason);
    return origWarn(obj as object, msg);
  }) as typeof log.warn;
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    webRoot: 'web',
    log,
    hello: () => ({ type: 'hello', protocol: 1, server: 'test', rom: { title: 'T', cgb: 'dmg', cartridgeType: 0, cartridgeName: 'ROM ONLY', size: 0, sha1: '', headerChecksumOk: true }, envs: 1, fps: FPS, width: 160, height: 144, speed: 1, map: null, fields: [], encoder: 'none' }),
    stats: () => ({ fps: FPS, emuFps: 60, speed: 1 }),
    liveness: { stallMs: 2000, byteCap: 64 * 1024 * 1024 },
  });
  const payload = new Uint8Array(FRAME_BYTES);
  publisher = setInterval(() => {
    server.publishFrame(encodeRecord({ type: 'frame', env: 0, seq: published++, frame: 0, ts: Date.now(), width: 160, height: 144, format: 'jpeg', data: payload, state: {} }));
  }, 1000 / FPS);
});

afterAll(async () => {
  clearInterval(publisher);
  await server?.close();
});

describe('a client that never reads', () => {
  it('costs the others nothing, is dropped for, keeps memory flat, and is let go', async () => {
    const stalled = await neverReadingClient(server.port);
    const reader = new TestClient(server.url.replace(/^http/, 'ws') + 'ws');
    await reader.opened();
    const rssBefore = process.memoryUsage().rss;
    const start = published;
    const t0 = performance.now();

    // Until the stalled client is let go, watch its queue stay bounded.
    let maxBuffered = 0;
    let stalledDropped = 0;
    const deadline = performance.now() + 30_000;
    while (terminated.length === 0 && performance.now() < deadline) {
      for (const c of server.broadcaster.clients()) {
        maxBuffered = Math.max(maxBuffered, c.bufferedAmount);
        stalledDropped = Math.max(stalledDropped, c.dropped);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(terminated[0], 'the stalled client was terminated').toMatch(/nothing drained/);
    expect(server.broadcaster.size).toBe(1);
    expect(stalledDropped, 'frames were dropped for the stalled client').toBeGreaterThan(0);
    // At most one frame in flight plus the high-water mark of about two frames.
    expect(maxBuffered).toBeLessThanOrEqual(3 * (FRAME_BYTES + 100));

    await new Promise((r) => setTimeout(r, 500));
    const seconds = (performance.now() - t0) / 1000;
    const got = reader.of('frame').filter((f) => (f['seq'] as number) >= start).length;
    const sent = published - start;
    expect(got / sent, `reader got ${got} of ${sent} frames in ${seconds.toFixed(1)} s`).toBeGreaterThan(0.9);
    const stats = reader.of('stats').at(-1);
    expect(stats?.['dropped'] as number).toBeLessThan(sent * 0.1);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(150 * 1024 * 1024);
    stalled.destroy();
    reader.ws.close();
  });
});

describe('heartbeat', () => {
  it('terminates a client that reads but never answers pings', async () => {
    const log = silentLogger();
    const reasons: string[] = [];
    const origWarn = log.warn.bind(log);
    log.warn = ((obj: unknown, msg?: string) => {
      if (msg?.includes('no pong')) reasons.push(msg);
      return origWarn(obj as object, msg);
    }) as typeof log.warn;
    const hb = await startServer({
      host: '127.0.0.1',
      port: 0,
      webRoot: 'web',
      log,
      hello: () => ({ type: 'hello', protocol: 1, server: 'test', rom: { title: 'T', cgb: 'dmg', cartridgeType: 0, cartridgeName: 'ROM ONLY', size: 0, sha1: '', headerChecksumOk: true }, envs: 1, fps: 1, width: 160, height: 144, speed: 1, map: null, fields: [], encoder: 'none' }),
      stats: () => ({ fps: 0, emuFps: 0, speed: 0 }),
      heartbeatMs: 300,
    });
    try {
      // A raw client reads (so its socket drains) but never sends a pong.
      const socket = await new Promise<Socket>((resolve) => {
        const s = connect(hb.port, '127.0.0.1', () => {
          s.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
          resolve(s);
        });
        s.on('data', () => undefined);
        s.on('error', () => undefined);
      });
      const healthy = new TestClient(hb.url.replace(/^http/, 'ws') + 'ws');
      await healthy.opened();
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await closed;
      expect(reasons.length).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 700));
      expect(healthy.closeCode).toBeUndefined(); // ws answers pings by itself
      expect(hb.broadcaster.size).toBe(1);
      healthy.ws.close();
    } finally {
      await hb.close();
    }
  });
});
