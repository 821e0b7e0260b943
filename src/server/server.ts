/**
 * One HTTP server: the files of `web/` at `/`, the WebSocket endpoint at `/ws`.
 * Sends `hello` on connect, `stats` once a second, frames through the broadcaster.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../log.js';
import { MAX_CLIENT_MESSAGE_BYTES } from '../protocol/constants.js';
import type { ClientMessage, HelloMessage, ServerMessage } from '../protocol/messages.js';
import { encodeRecord } from '../protocol/record.js';
import { Broadcaster, type Client } from './broadcaster.js';
import { handleClientData } from './connection.js';
import { createStaticHandler } from './static-files.js';
import { tokenChecker, type ControlPolicy } from './control.js';

export const WS_PATH = '/ws';
export const STATS_INTERVAL_MS = 1000;
/** Close code sent to clients when the server shuts down ("going away"). */
export const CLOSE_GOING_AWAY = 1001;

export interface ServerStatsSource {
  fps: number;
  emuFps: number;
  speed: number;
}

export interface StreamServerOptions {
  host: string;
  port: number;
  webRoot: string;
  log: Logger;
  /** The hello every client gets first (`control` is filled in per client). */
  hello(): Omit<HelloMessage, 'control'>;
  /** Pipeline numbers for `stats`. */
  stats(): ServerStatsSource;
  /** Who may send input (default: nobody). */
  control?: ControlPolicy;
  onInput?(message: Extract<ClientMessage, { type: 'input' }>): void;
}

export interface StreamServer {
  readonly url: string;
  readonly port: number;
  readonly broadcaster: Broadcaster<WebSocket>;
  /** Sends one encoded frame record to every client that can take it. */
  publishFrame(record: Uint8Array): void;
  /** Sends a control message to every client. */
  publishControl(message: ServerMessage): void;
  close(): Promise<void>;
}

export async function startServer(options: StreamServerOptions): Promise<StreamServer> {
  const { log } = options;
  const broadcaster = new Broadcaster<WebSocket>();
  const serveStatic = createStaticHandler(options.webRoot);
  const http: Server = createServer((req, res) => {
    serveStatic(req, res).catch((err: unknown) => {
      log.error({ err }, 'static file handler failed');
      res.destroy();
    });
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_CLIENT_MESSAGE_BYTES });

  http.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket, req) => {
    const client = broadcaster.add(ws);
    const policy = options.control ?? { mode: 'off' };
    const reply = (message: ServerMessage) => broadcaster.sendControl(client, encodeRecord(message));
    const ctx = { control: policy.mode === 'open', checkToken: tokenChecker(policy), reply, input: options.onInput };
    log.info({ client: client.id, remote: req.socket.remoteAddress, clients: broadcaster.size }, 'client connected');
    reply({ ...options.hello(), control: ctx.control });
    ws.on('message', (data, isBinary) => {
      try {
        handleClientData(ctx, data, isBinary);
      } catch (err) {
        log.error({ err, client: client.id }, 'unexpected error handling a client message');
      }
    });
    ws.on('error', (err) => log.warn({ client: client.id, err: err.message }, 'client socket error'));
    ws.on('close', (code) => {
      broadcaster.remove(client);
      log.info({ client: client.id, code, sent: client.sent, dropped: client.dropped, clients: broadcaster.size }, 'client disconnected');
    });
  });

  const statsTimer = setInterval(() => sendStats(broadcaster, options.stats()), STATS_INTERVAL_MS);
  statsTimer.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostForUrl}:${address.port}/`;

  return {
    url,
    port: address.port,
    broadcaster,
    publishFrame: (record) => broadcaster.broadcastFrame(record),
    publishControl: (message) => broadcaster.broadcastControl(encodeRecord(message)),
    close: () => closeAll(http, wss, broadcaster, statsTimer),
  };
}

function sendStats(broadcaster: Broadcaster<WebSocket>, source: ServerStatsSource): void {
  const ts = Date.now();
  for (const client of broadcaster.clients()) {
    broadcaster.sendControl(
      client,
      encodeRecord({
        type: 'stats',
        ts,
        sent: client.sent,
        dropped: client.dropped,
        fps: source.fps,
        emuFps: source.emuFps,
        speed: source.speed,
        clients: broadcaster.size,
      }),
    );
  }
}

/** Closes every client with 1001, waits briefly for their close handshakes, then stops listening. */
async function closeAll(http: Server, wss: WebSocketServer, broadcaster: Broadcaster<WebSocket>, timer: NodeJS.Timeout): Promise<void> {
  clearInterval(timer);
  const closing: Promise<void>[] = [];
  for (const client of [...broadcaster.clients()] as Client<WebSocket>[]) {
    const ws = client.socket;
    closing.push(
      new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close(CLOSE_GOING_AWAY, 'server shutting down');
        // A peer that never answers the close handshake is cut off.
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1000).unref();
      }),
    );
  }
  await Promise.all(closing);
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
}
