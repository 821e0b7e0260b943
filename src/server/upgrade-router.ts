/**
 * Which WebSocket upgrade goes where: the viewers' `/ws`, and endpoints other parts take (a
 * publisher on `/ws` with its subprotocol, a StreamWrapper on `/broadcast`). Host and Origin are
 * checked once here for all of them; a path nobody takes is 404, a closing server answers 503.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log.js';
import { isHostAllowed, isOriginAllowed } from './origin.js';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** A WebSocket upgrade taken by someone other than the viewers' endpoint. */
export interface UpgradeEndpoint {
  path: string;
  /** Taken only when the client offers this subprotocol (otherwise the next match, or the viewers, get it). */
  subprotocol?: string;
  upgrade: UpgradeHandler;
}

export interface UpgradeRouterOptions {
  /** The address the server binds (a loopback server answers only to loopback Host names). */
  host: string;
  allowOrigins: readonly string[];
  log: Logger;
  /** The viewers' path and handler. */
  viewers: { path: string; upgrade: UpgradeHandler };
  endpoints: () => readonly UpgradeEndpoint[];
  closing: () => boolean;
}

export function upgradeRouter(o: UpgradeRouterOptions): UpgradeHandler {
  return (req, socket, head) => {
    // A peer may reset the connection while we answer; never let that error go uncaught.
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (o.closing()) return refuse(socket, '503 Service Unavailable');
    const endpoint = o.endpoints().find((e) => e.path === path && (e.subprotocol === undefined || offersSubprotocol(req, e.subprotocol)));
    const handler = endpoint?.upgrade ?? (path === o.viewers.path ? o.viewers.upgrade : undefined);
    if (!handler) return refuse(socket, '404 Not Found');
    if (!isHostAllowed(req.headers.host, o.host, o.allowOrigins)) return refuse(socket, '403 Forbidden');
    if (!isOriginAllowed(req.headers.origin, req.headers.host, o.allowOrigins)) {
      o.log.warn({ origin: req.headers.origin, remote: req.socket.remoteAddress }, 'refused WebSocket from another origin (see --allow-origin)');
      return refuse(socket, '403 Forbidden');
    }
    handler(req, socket, head);
  };
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
}

export function offersSubprotocol(req: IncomingMessage, name: string): boolean {
  return (req.headers['sec-websocket-protocol'] ?? '').split(',').some((p) => p.trim() === name);
}
