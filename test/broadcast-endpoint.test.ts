/**
 * The /broadcast endpoint on its own, behind a bare HTTP server: the rate limit, the connection
 * cap and closing silent sockets (with an injected clock).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { silentLogger } from '../src/log.js';
import type { WrapperMessage } from '../src/map/wrapper-message.js';
import { BROADCAST_RATE, BroadcastEndpoint, closeReason, type BroadcastEndpointOptions } from '../src/server/broadcast-endpoint.js';
import { pino } from 'pino';

let http: Server | undefined;
let endpoint: BroadcastEndpoint | undefined;

async function start(options: Partial<BroadcastEndpointOptions> = {}): Promise<{ url: string; received: WrapperMessage[] }> {
  const received: WrapperMessage[] = [];
  endpoint = new BroadcastEndpoint({ host: '127.0.0.1', log: silentLogger(), onMessage: (m) => received.push(m), ...options });
  const ep = endpoint;
  http = createServer();
  http.on('upgrade', (req, socket, head) => ep.upgrade(req, socket, head));
  await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/broadcast`, received };
}

afterEach(async () => {
  await endpoint?.close();
  await new Promise((resolve) => (http ? http.close(resolve) : resolve(undefined)));
  http = undefined;
  endpoint = undefined;
});

const closed = (ws: WebSocket) => new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
const opened = (ws: WebSocket) => new Promise<void>((resolve, reject) => {
  ws.once('open', () => resolve());
  ws.once('error', reject);
});

describe('/broadcast endpoint', () => {
  it('closes a sender past its rate with 1008, after taking the burst', async () => {
    const { url, received } = await start();
    const ws = new WebSocket(url);
    await opened(ws);
    const done = closed(ws);
    for (let i = 0; i < BROADCAST_RATE.burst * 3; i++) ws.send('{"metadata": {}, "coords": []}');
    expect(await done).toEqual({ code: 1008, reason: `more than ${BROADCAST_RATE.perSecond} messages/s` });
    expect(received.length).toBeGreaterThanOrEqual(BROADCAST_RATE.burst);
    expect(received.length).toBeLessThan(BROADCAST_RATE.burst * 2);
  });

  it('cuts a close reason to 123 bytes at a character boundary, so quoting bad input never throws', async () => {
    expect(closeReason('é'.repeat(100))).toBe('é'.repeat(61));
    const lines: string[] = [];
    const { url, received } = await start({ log: pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }) });
    const ws = new WebSocket(url);
    await opened(ws);
    const done = closed(ws);
    ws.send(JSON.stringify({ metadata: {}, coords: [['é'.repeat(60)]] }));
    ws.send('{"metadata": {}, "coords": []}'); // already on the wire: ignored, not logged again
    const { code, reason } = await done;
    expect(code).toBe(1007);
    expect(reason).toMatch(/^coords\[0\] must be/);
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    expect(received).toEqual([]);
    expect(lines.filter((l) => l.includes('closing /broadcast client'))).toHaveLength(1);
  });

  it('refuses connections past the cap with 503', async () => {
    const { url } = await start({ maxConnections: 1 });
    const first = new WebSocket(url);
    await opened(first);
    const second = new WebSocket(url);
    const status = await new Promise<number | undefined>((resolve) => second.on('unexpected-response', (_req, res) => resolve(res.statusCode)));
    expect(status).toBe(503);
    first.close();
  });

  it('closes a socket silent for longer than idleMs, and only that one', async () => {
    let now = 0;
    const { url } = await start({ idleMs: 1000, now: () => now });
    const quiet = new WebSocket(url);
    const chatty = new WebSocket(url);
    await Promise.all([opened(quiet), opened(chatty)]);
    const quietClosed = closed(quiet);
    now = 900;
    chatty.send('{"metadata": {}, "coords": []}');
    await expect.poll(() => endpoint!.received).toBe(1);
    endpoint!.sweep(1500);
    expect(await quietClosed).toEqual({ code: 1001, reason: 'idle' });
    expect(chatty.readyState).toBe(WebSocket.OPEN);
    chatty.close();
  });
});
