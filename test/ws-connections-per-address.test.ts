/**
 * Issue 22 item 12: anyone may open /ws, and each connection gets hello, the map's snapshot and
 * frames before it says a word, so one address may hold only so many at once (the socket
 * policy's `maxConnectionsPerAddress`); the next is refused with 429 until one closes, and other
 * addresses are not affected. A real server, real `ws` clients from two loopback addresses.
 */
import WebSocket, { WebSocketServer } from 'ws';
import { PUBLISHER_SUBPROTOCOL } from '../src/protocol/constants.js';
import type { UpgradeEndpoint } from '../src/server/upgrade-router.js';
import { afterEach, describe, expect, it } from 'vitest';
import { AddressConnections } from '../src/server/address-connections.js';
import type { StreamServer } from '../src/server/server.js';
import { SOCKET_POLICY } from '../src/server/socket-policy.js';
import { startBareServer } from './helpers/bare-server.js';

/** Stands in for the hub's publisher endpoint: takes the upgrade like a WebSocket server would. */
const publishers = new WebSocketServer({ noServer: true });
const publisherEndpoint: UpgradeEndpoint = {
  path: '/ws',
  subprotocol: PUBLISHER_SUBPROTOCOL,
  upgrade: (req, socket, head) => publishers.handleUpgrade(req, socket, head, (ws) => ws.close()),
};

let server: StreamServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Opens a socket from `localAddress`: 'open' with the socket, or the refusal's status and body. */
function connect(url: string, localAddress: string, protocols?: string[]): Promise<{ ws?: WebSocket; status?: number; body?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { localAddress });
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    ws.on('error', reject);
  });
}

describe('/ws connections per address', () => {
  it('a publisher’s socket is counted like a viewer’s and freed when it closes', async () => {
    const s = await startBareServer({ maxConnectionsPerAddress: 1, endpoints: () => [publisherEndpoint] });
    server = s;
    // The stand-in closes each publisher at once: a place is free again after each one.
    for (let i = 0; i < 3; i++) {
      let r = await connect(s.wsUrl, '127.0.0.1', [PUBLISHER_SUBPROTOCOL]);
      for (let k = 0; k < 100 && r.status === 429; k++) {
        await new Promise((res) => setTimeout(res, 50));
        r = await connect(s.wsUrl, '127.0.0.1', [PUBLISHER_SUBPROTOCOL]);
      }
      expect(r.ws).toBeDefined();
    }
  });

  it('counts live connections per address only', () => {
    const c = new AddressConnections(2);
    c.opened('a');
    c.opened('a');
    expect(c.mayOpen('a')).toBe(false);
    expect(c.mayOpen('b')).toBe(true);
    c.closed('a');
    expect(c.mayOpen('a')).toBe(true);
    expect(SOCKET_POLICY.viewer.maxConnectionsPerAddress).toBeGreaterThanOrEqual(64);
  });

  it('refuses the connection past the cap with 429 and a coded reason; another address still connects; a close frees a place', async () => {
    const s = await startBareServer({ maxConnectionsPerAddress: 3, endpoints: () => [publisherEndpoint] });
    server = s;
    const open: WebSocket[] = [];
    for (let i = 0; i < 3; i++) open.push((await connect(s.wsUrl, '127.0.0.1')).ws!);
    expect(open.every((ws) => ws.readyState === WebSocket.OPEN)).toBe(true);
    const refused = await connect(s.wsUrl, '127.0.0.1');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatch(/GBS_ERR_BUSY: 3 connections from 127\.0\.0\.1/);
    // A publisher's socket (its subprotocol, taken by another endpoint) counts too.
    const publisher = await connect(s.wsUrl, '127.0.0.1', [PUBLISHER_SUBPROTOCOL]);
    expect(publisher.status).toBe(429);
    const other = await connect(s.wsUrl, '127.0.0.2');
    expect(other.ws?.readyState).toBe(WebSocket.OPEN);
    await new Promise<void>((resolve) => {
      open[0]!.once('close', () => resolve());
      open[0]!.close();
    });
    // The server counts the close when its side of the socket closes: retry briefly.
    let again = await connect(s.wsUrl, '127.0.0.1');
    for (let i = 0; i < 100 && again.status === 429; i++) {
      await new Promise((r) => setTimeout(r, 50));
      again = await connect(s.wsUrl, '127.0.0.1');
    }
    expect(again.ws?.readyState).toBe(WebSocket.OPEN);
    for (const ws of [...open, other.ws, again.ws]) ws?.close();
  });
});
