/**
 * One HTTP server: the files of `web/` at `/`, extra routes before them, the viewers' WebSocket
 * endpoint at `/ws`, and the upgrades other parts take (`endpoints`: publishers, `/broadcast`).
 * The jobs live in their own files: upgrade routing (upgrade-router.ts), one viewer's socket
 * (viewer-socket.ts), heartbeat and `stats` (viewer-timers.ts), shutdown (close-sockets.ts). With
 * `socketPath`, the same viewer code also answers on a Unix socket (socket-listener.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../log.js';
import { ErrorCode, MAX_AGENT_MESSAGE_BYTES } from '../protocol/constants.js';
import type { ServerMessage } from '../protocol/messages.js';
import { encodeRecord } from '../protocol/record.js';
import { AddressConnections } from './address-connections.js';
import { Broadcaster } from './broadcaster.js';
import { closeAll } from './close-sockets.js';
import { DEFAULT_LIVENESS, type LivenessLimits } from './liveness.js';
import { isHostAllowed } from './origin.js';
import { listenSocket, type SocketListener } from './socket-listener.js';
import { SOCKET_POLICY } from './socket-policy.js';
import { createStaticHandler } from './static-files.js';
import type { RecordTransport } from './stream-transport.js';
import { upgradeRouter, type UpgradeEndpoint, type UpgradeHandler } from './upgrade-router.js';
import { acceptViewer, type ViewerPolicy } from './viewer-socket.js';
import { HEARTBEAT_MS, startViewerTimers, type ServerStatsSource } from './viewer-timers.js';

export { CLOSE_GOING_AWAY, CLOSE_POLICY_VIOLATION, CLOSE_TOO_BIG } from '../protocol/close-codes.js';
export { HEARTBEAT_MS, STATS_INTERVAL_MS, type ServerStatsSource } from './viewer-timers.js';

export const WS_PATH = '/ws';

export interface StreamServerOptions extends ViewerPolicy {
  host: string;
  port: number;
  webRoot: string;
  log: Logger;
  /** Pipeline numbers for `stats`. */
  stats(): ServerStatsSource;
  /** Extra HTTP routes tried before the static files; returns true when it answered. */
  routes?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Extra origins allowed to open the WebSocket from a browser (same origin always is). */
  allowOrigins?: readonly string[];
  /** `/ws` connections one remote address may hold open (default: the socket policy's); tests lower it. */
  maxConnectionsPerAddress?: number;
  /** When to let a stuck client go; tests shorten it. */
  liveness?: LivenessLimits;
  heartbeatMs?: number;
  /** Also answer on this Unix-domain stream socket (`serve --socket PATH`): the /ws records, unframed. */
  socketPath?: string;
  /** Upgrades others take: publishers at `/ws` with their subprotocol, StreamWrappers at `/broadcast`. Absent: 404 (or a viewer, at `/ws`). */
  endpoints?: () => readonly UpgradeEndpoint[];
  /**
   * Run at close, once viewers are gone and before the port closes: whoever took `endpoints`
   * closes those sockets here (a port does not close while an upgraded socket lives).
   */
  afterViewersClosed?(): Promise<unknown>;
}

export interface StreamServer {
  readonly url: string;
  readonly port: number;
  /** The Unix socket's path, when `socketPath` was given. */
  readonly socketPath?: string;
  readonly broadcaster: Broadcaster<RecordTransport>;
  /** Sends one encoded frame record of `env` (default 0) to every client that can take it. */
  publishFrame(record: Uint8Array, env?: number): void;
  /** Sends a control message to every client. */
  publishControl(message: ServerMessage): void;
  close(): Promise<void>;
}

export async function startServer(options: StreamServerOptions): Promise<StreamServer> {
  const { log } = options;
  const allowOrigins = options.allowOrigins ?? [];
  const broadcaster = new Broadcaster<RecordTransport>();
  const serveStatic = createStaticHandler(options.webRoot);
  const http: Server = createServer((req, res) => {
    if (!isHostAllowed(req.headers.host, options.host, allowOrigins)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden host (a loopback server answers only to loopback names; see --allow-origin)');
      return;
    }
    try {
      if (options.routes?.(req, res)) return;
    } catch (err) {
      log.error({ err }, 'HTTP route failed');
      if (!res.headersSent) res.writeHead(500).end('internal error');
      return;
    }
    serveStatic(req, res).catch((err: unknown) => {
      log.error({ err }, 'static file handler failed');
      res.destroy();
    });
  });
  // The agents' limit is the ceiling; each connection is held to its own (message-limit.ts).
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_AGENT_MESSAGE_BYTES });
  const alive = new WeakMap<RecordTransport, boolean>();
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => acceptViewer(ws, req.socket.remoteAddress, broadcaster, options, alive));
  // Anyone may open /ws (viewers, agents and publishers before auth): an address gets so many
  // at once, then 429 until one closes. Counted on the TCP socket, whoever takes the upgrade.
  const perAddress = new AddressConnections(options.maxConnectionsPerAddress ?? SOCKET_POLICY.viewer.maxConnectionsPerAddress!);
  const counted = (upgrade: UpgradeHandler): UpgradeHandler => (req, socket, head) => {
    const address = req.socket.remoteAddress ?? 'unknown';
    if (!perAddress.mayOpen(address)) {
      log.warn({ remote: address, open: perAddress.of(address) }, 'refused /ws: too many connections from one address');
      socket.end(`HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${ErrorCode.Busy}: ${perAddress.max} connections from ${address} are open already\n`);
      return;
    }
    perAddress.opened(address);
    socket.once('close', () => perAddress.closed(address));
    upgrade(req, socket, head);
  };

  let closing = false;
  http.on(
    'upgrade',
    upgradeRouter({
      host: options.host,
      allowOrigins,
      log,
      viewers: { path: WS_PATH, upgrade: counted((req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))) },
      endpoints: () => (options.endpoints?.() ?? []).map((e) => (e.path === WS_PATH ? { ...e, upgrade: counted(e.upgrade) } : e)),
      closing: () => closing,
    }),
  );

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  let socket: SocketListener | undefined;
  if (options.socketPath !== undefined) {
    try {
      socket = await listenSocket(options.socketPath, (transport) => acceptViewer(transport, `unix:${options.socketPath}`, broadcaster, options, alive));
    } catch (err) {
      await new Promise<void>((resolve) => http.close(() => resolve()));
      throw err;
    }
  }
  // Only a server that listens has clocks: a taken port (or socket path) leaves nothing running.
  const stopTimers = startViewerTimers(broadcaster, alive, options.stats, options.liveness ?? DEFAULT_LIVENESS, options.heartbeatMs ?? HEARTBEAT_MS, log);
  const address = http.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostForUrl}:${address.port}/`;

  return {
    url,
    port: address.port,
    socketPath: socket?.path,
    broadcaster,
    publishFrame: (record, env = 0) => broadcaster.broadcastFrame(record, env),
    publishControl: (message) => broadcaster.broadcastControl(encodeRecord(message)),
    close: async () => {
      closing = true;
      stopTimers();
      // Stream clients go with the viewers: before the sources close (their agents' envs are released).
      await socket?.close();
      return closeAll(http, [wss], options.afterViewersClosed);
    },
  };
}
