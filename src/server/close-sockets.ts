/** Shutting an HTTP server down with its WebSocket servers: every socket gets 1001, then the port closes. */
import type { Server } from 'node:http';
import type { WebSocketServer } from 'ws';
import { CLOSE_GOING_AWAY } from '../protocol/close-codes.js';

/** How long a peer may take to answer the close handshake before it is cut off. */
export const CLOSE_HANDSHAKE_MS = 1000;

/**
 * Closes every client with 1001, waits briefly for their close handshakes, runs `then` (others
 * close the sockets they took: the port stays open while an upgraded socket lives), then stops
 * listening.
 */
export async function closeAll(http: Server, servers: readonly WebSocketServer[], then?: () => Promise<unknown>): Promise<void> {
  await closeSockets(servers);
  await then?.();
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
}

/** Closes every client of `servers` with 1001 (cut off after CLOSE_HANDSHAKE_MS), then the servers. */
export async function closeSockets(servers: readonly WebSocketServer[]): Promise<void> {
  const closing: Promise<void>[] = [];
  // Every socket ws knows, including ones that connected a moment ago (new upgrades get 503 now).
  for (const ws of servers.flatMap((wss) => [...wss.clients])) {
    closing.push(
      new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        const cutOff = setTimeout(() => {
          ws.terminate();
          resolve();
        }, CLOSE_HANDSHAKE_MS);
        cutOff.unref();
        ws.once('close', () => {
          clearTimeout(cutOff);
          resolve();
        });
        ws.close(CLOSE_GOING_AWAY, 'server shutting down');
      }),
    );
  }
  await Promise.all(closing);
  for (const wss of servers) {
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
}
