/**
 * One HTTP server: the files of `web/` at `/`, the WebSocket endpoint at `/ws` (and, when given,
 * the StreamWrapper endpoint at `/broadcast`).
 * Sends `hello` on connect, `stats` once a second, frames through the broadcaster.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from '../log.js';
import { ErrorCode, MAX_AGENT_MESSAGE_BYTES, MAX_CLIENT_MESSAGE_BYTES, MAX_PUBLISHER_MESSAGE_BYTES, PUBLISHER_SUBPROTOCOL } from '../protocol/constants.js';
import type { ClientMessage, HelloMessage, ServerMessage } from '../protocol/messages.js';
import { encodeRecord } from '../protocol/record.js';
import { Broadcaster, type Client } from './broadcaster.js';
import { handleClientData } from './connection.js';
import { createStaticHandler } from './static-files.js';
import { tokenChecker, type ControlPolicy } from './control.js';
import { DEFAULT_LIVENESS, livenessVerdict, type LivenessLimits } from './liveness.js';
import { isHostAllowed, isOriginAllowed } from './origin.js';
import { ClientLimiter } from './rate-limit.js';
import type { AgentPort } from './agents.js';
import { GbsError } from '../protocol/errors.js';
import { BROADCAST_PATH, type BroadcastEndpoint } from './broadcast-endpoint.js';

export const WS_PATH = '/ws';
export const STATS_INTERVAL_MS = 1000;
/** Close code sent to clients when the server shuts down ("going away"). */
export const CLOSE_GOING_AWAY = 1001;
/** Close code for a client that keeps breaking the rules (rate limit, failed auths). */
export const CLOSE_POLICY_VIOLATION = 1008;
/** Close code for a message over the client's size limit (ws sends it too, past `maxPayload`). */
export const CLOSE_TOO_BIG = 1009;
export const HEARTBEAT_MS = 30_000;

export interface ServerStatsSource {
  fps: number;
  emuFps: number;
  speed: number;
  /** The emulator core (`stats.core`). */
  core?: string;
  /** Per-env numbers when there are several envs. */
  envs?: Array<{ env: number; fps: number; emuFps: number; speed: number }>;
}

export interface StreamServerOptions {
  host: string;
  port: number;
  webRoot: string;
  log: Logger;
  /** The hello every client gets first (`control` is filled in per client). */
  hello(): Omit<HelloMessage, 'control'>;
  /** Records every new client gets right after hello (e.g. the latest training progress). */
  welcome?(): ServerMessage[];
  /** Pipeline numbers for `stats`. */
  stats(): ServerStatsSource;
  /** Who may send input (default: nobody). */
  control?: ControlPolicy;
  onInput?(message: Extract<ClientMessage, { type: 'input' }>): void | Promise<void>;
  onCommand?(message: Extract<ClientMessage, { type: 'command' }>): void | Promise<void>;
  /** Agent lockstep, per client id. */
  agents?: AgentPort;
  /** How many envs exist (for `subscribe` checks); default 1. A function when envs come and go. */
  envCount?: number | (() => number);
  /** Takes connections that offer the publisher subprotocol (a hub); without it they are refused. */
  publishers?: { accept(ws: WebSocket, req: IncomingMessage): void };
  /** Publishes training numbers from a controlling client. */
  onProgress?(values: Record<string, number>, source: string): void;
  /** Extra HTTP routes tried before the static files; returns true when it answered. */
  routes?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Extra origins allowed to open the WebSocket from a browser (same origin always is). */
  allowOrigins?: readonly string[];
  /** When to let a stuck client go; tests shorten it. */
  liveness?: LivenessLimits;
  heartbeatMs?: number;
  /** The StreamWrapper endpoint at `/broadcast` (map positions from trainers); absent: 404. */
  broadcast?: Pick<BroadcastEndpoint, 'upgrade' | 'close'>;
}

export interface StreamServer {
  readonly url: string;
  readonly port: number;
  readonly broadcaster: Broadcaster<WebSocket>;
  /** Sends one encoded frame record of `env` (default 0) to every client that can take it. */
  publishFrame(record: Uint8Array, env?: number): void;
  /** Sends a control message to every client. */
  publishControl(message: ServerMessage): void;
  close(): Promise<void>;
}

export async function startServer(options: StreamServerOptions): Promise<StreamServer> {
  const { log } = options;
  const broadcaster = new Broadcaster<WebSocket>();
  const serveStatic = createStaticHandler(options.webRoot);
  const hostOk = (req: IncomingMessage) => isHostAllowed(req.headers.host, options.host, options.allowOrigins ?? []);
  const http: Server = createServer((req, res) => {
    if (!hostOk(req)) {
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
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_AGENT_MESSAGE_BYTES });
  // Publishers send frames, so they get a larger limit (twice the protocol's, so an oversized
  // message still gets a coded error before ws would cut the connection).
  const publisherWss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 2 * MAX_PUBLISHER_MESSAGE_BYTES,
    handleProtocols: (offered) => (offered.has(PUBLISHER_SUBPROTOCOL) ? PUBLISHER_SUBPROTOCOL : false),
  });

  let closing = false;
  http.on('upgrade', (req, socket, head) => {
    // A peer may reset the connection while we answer; never let that error go uncaught.
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (closing) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    const broadcast = path === BROADCAST_PATH ? options.broadcast : undefined;
    if (path !== WS_PATH && !broadcast) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!hostOk(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!isOriginAllowed(req.headers.origin, req.headers.host, options.allowOrigins ?? [])) {
      log.warn({ origin: req.headers.origin, remote: req.socket.remoteAddress }, 'refused WebSocket from another origin (see --allow-origin)');
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    if (broadcast) return broadcast.upgrade(req, socket, head);
    const publishers = options.publishers;
    if (publishers && offersSubprotocol(req, PUBLISHER_SUBPROTOCOL)) {
      publisherWss.handleUpgrade(req, socket, head, (ws) => publishers.accept(ws, req));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const alive = new WeakMap<WebSocket, boolean>();

  wss.on('connection', (ws: WebSocket, req) => {
    const client = broadcaster.add(ws);
    const policy = options.control ?? { mode: 'off' };
    const reply = (message: ServerMessage) => broadcaster.sendControl(client, encodeRecord(message));
    const agents = options.agents;
    const ctx = {
      control: policy.mode === 'open',
      limiter: new ClientLimiter(() => performance.now()),
      close: (reason: string) => {
        log.warn({ client: client.id, reason }, 'closing client');
        ws.close(CLOSE_POLICY_VIOLATION, reason);
      },
      checkToken: tokenChecker(policy),
      reply,
      input: options.onInput,
      command: options.onCommand,
      progress: options.onProgress && ((values: Record<string, number>) => options.onProgress!(values, `ws:${client.id}`)),
      subscribe: (envs: number[] | undefined, fps: number | undefined, extra?: { thumbs?: number[]; thumbFps?: number; states?: boolean }) => {
        const count = typeof options.envCount === 'function' ? options.envCount() : options.envCount ?? 1;
        const bad = [...(envs ?? []), ...(extra?.thumbs ?? [])].find((e) => e >= count);
        if (bad !== undefined) throw new GbsError(ErrorCode.NoSuchEnv, `no env ${bad}; this server runs envs 0–${count - 1}`);
        client.envs = envs ? new Set(envs) : undefined;
        client.maxFps = fps;
        client.thumbs = extra?.thumbs ? new Set(extra.thumbs) : undefined;
        client.thumbFps = extra?.thumbFps;
        client.states = extra?.states ?? false;
      },
      agent: agents && {
        reset: (m: Extract<ClientMessage, { type: 'reset' }>) => agents.reset(client.id, m),
        step: (m: Extract<ClientMessage, { type: 'step' }>) => agents.step(client.id, m),
        release: (m: Extract<ClientMessage, { type: 'release' }>) => agents.release(client.id, m),
        snapshot: (m: Extract<ClientMessage, { type: 'snapshot' }>) => agents.snapshot(client.id, m),
      },
    };
    alive.set(ws, true);
    log.info({ client: client.id, remote: req.socket.remoteAddress, clients: broadcaster.size }, 'client connected');
    reply({ ...options.hello(), control: ctx.control });
    for (const message of options.welcome?.() ?? []) reply(message);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('message', (data, isBinary) => {
      // ws enforces the agents' limit; a client without control rights gets the small one.
      if (!ctx.control && byteLength(data) > MAX_CLIENT_MESSAGE_BYTES) {
        ws.close(CLOSE_TOO_BIG, `message over ${MAX_CLIENT_MESSAGE_BYTES} bytes`);
        return;
      }
      try {
        handleClientData(ctx, data, isBinary);
      } catch (err) {
        log.error({ err, client: client.id }, 'unexpected error handling a client message');
      }
    });
    ws.on('error', (err) => log.warn({ client: client.id, err: err.message }, 'client socket error'));
    ws.on('close', (code) => {
      broadcaster.remove(client);
      agents?.releaseAll(client.id);
      log.info({ client: client.id, code, sent: client.sent, dropped: client.dropped, clients: broadcaster.size }, 'client disconnected');
    });
  });

  const limits = options.liveness ?? DEFAULT_LIVENESS;
  const letGoStuckClients = () => {
    const now = performance.now();
    for (const client of broadcaster.clients()) {
      const reason = livenessVerdict(client, now, limits);
      if (reason) {
        log.warn({ client: client.id, reason, sent: client.sent, dropped: client.dropped }, 'terminating stuck client');
        broadcaster.remove(client);
        client.socket.terminate();
      }
    }
  };
  const heartbeat = setInterval(() => {
    for (const client of broadcaster.clients()) {
      if (!alive.get(client.socket)) {
        log.warn({ client: client.id }, 'terminating client: no pong to the last heartbeat ping');
        broadcaster.remove(client);
        client.socket.terminate();
        continue;
      }
      alive.set(client.socket, false);
      client.socket.ping();
    }
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();

  const statsTimer = setInterval(() => {
    letGoStuckClients();
    sendStats(broadcaster, options.stats());
  }, Math.min(STATS_INTERVAL_MS, limits.stallMs / 2));
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
    publishFrame: (record, env = 0) => broadcaster.broadcastFrame(record, env),
    publishControl: (message) => broadcaster.broadcastControl(encodeRecord(message)),
    close: () => {
      closing = true;
      clearInterval(heartbeat);
      return Promise.all([options.broadcast?.close(), closeAll(http, [wss, publisherWss], statsTimer)]).then(() => undefined);
    },
  };
}

function offersSubprotocol(req: IncomingMessage, name: string): boolean {
  return (req.headers['sec-websocket-protocol'] ?? '').split(',').some((p) => p.trim() === name);
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
        core: source.core,
        envs: source.envs && source.envs.length > 1 ? source.envs.map(({ env, fps, emuFps, speed }) => ({ env, fps, emuFps, speed })) : undefined,
      }),
    );
  }
}

/** Closes every client with 1001, waits briefly for their close handshakes, then stops listening. */
async function closeAll(http: Server, servers: WebSocketServer[], timer: NodeJS.Timeout): Promise<void> {
  clearInterval(timer);
  const closing: Promise<void>[] = [];
  // Every socket ws knows, including ones that connected a moment ago (new upgrades get 503 now).
  for (const ws of servers.flatMap((wss) => [...wss.clients])) {
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
  for (const wss of servers) {
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
}

function byteLength(data: RawData): number {
  return Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength;
}
