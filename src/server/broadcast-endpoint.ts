/**
 * `/broadcast`: the WebSocket a PokemonRedExperiments StreamWrapper sends its map positions to.
 * The wrapper only sends (JSON text frames, see map/wrapper-message.ts) and reads nothing back, so
 * this endpoint says nothing either; a message it cannot use closes that one socket with a reason
 * and a log line, and nothing else is affected.
 *
 * Who may send: the wrapper cannot authenticate in a message, only through its URL. Without a
 * control token the endpoint is open only on a loopback bind (trainers on this machine); with a
 * token the URL must carry it (`/broadcast?token=T`, accepted on this path only — a token in a URL
 * can end up in logs and proxies, which is why `/ws` takes it in a message instead).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../log.js';
import { parseWrapperMessage, type WrapperMessage } from '../map/wrapper-message.js';
import { CLOSE_GOING_AWAY, CLOSE_INVALID_PAYLOAD, CLOSE_POLICY_VIOLATION, CLOSE_UNSUPPORTED_DATA } from '../protocol/close-codes.js';
import { ErrorCode } from '../protocol/constants.js';
import type { AuthFailures } from './auth-failures.js';
import { tokenMatches } from './control.js';
import { isLoopback } from './origin.js';
import { TokenBucket } from './rate-limit.js';
import { rateOf, SOCKET_POLICY } from './socket-policy.js';

export const BROADCAST_PATH = '/broadcast';
/** The wrapper sends 250–2000 coordinates a message, ~15 bytes each: 30 KiB at most; 8× that. */
export const MAX_BROADCAST_MESSAGE_BYTES = SOCKET_POLICY.broadcast.maxMessageBytes;
/** One socket per trainer env: 288 envs is a big run. */
export const MAX_BROADCAST_CONNECTIONS = 1024;
/** A wrapper sends once every few hundred env steps; 20/s leaves room for fast envs. */
export const BROADCAST_RATE = { perSecond: rateOf('broadcast').perSecond, burst: rateOf('broadcast').burst };
/**
 * A socket silent this long is closed. The wrapper's event loop runs only while it sends, so it
 * cannot answer pings in between and a heartbeat would cut healthy trainers; silence is the sign
 * of a trainer that died without closing (a half-open TCP connection would otherwise stay for
 * ever). A wrapper that was only paused reconnects on its next upload.
 */
export const BROADCAST_IDLE_MS = SOCKET_POLICY.broadcast.stallMs;

/** A close reason fits in 123 bytes of UTF-8 (RFC 6455 §5.5); longer ones are cut at a character. */
export function closeReason(reason: string): string {
  let out = reason;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  return out;
}

export type AccessVerdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/**
 * Whether a `/broadcast` connection may open. Pure.
 * @param boundHost the address the server listens on
 * @param token the control token, when one is set
 * @param urlToken the `token` query parameter of the request, if any
 */
export function broadcastAccess(boundHost: string, token: string | undefined, urlToken: string | null): AccessVerdict {
  if (token !== undefined) {
    if (urlToken === null) return { ok: false, status: 401, reason: 'this server has a control token: connect to /broadcast?token=TOKEN' };
    if (!tokenMatches(token, urlToken)) return { ok: false, status: 401, reason: 'wrong token' };
    return { ok: true };
  }
  if (!isLoopback(boundHost)) {
    return { ok: false, status: 403, reason: 'the server is bound to a network address without a control token; set --control-token T and connect to /broadcast?token=T' };
  }
  return { ok: true };
}

export interface BroadcastEndpointOptions {
  /** The address the server binds. */
  host: string;
  /** The control token, when one is set. */
  token?: string;
  /** The site's failed-auth count per address (shared with its other endpoints). */
  failures?: AuthFailures;
  log: Logger;
  /** Each well-formed message. */
  onMessage(message: WrapperMessage): void;
  maxMessageBytes?: number;
  maxConnections?: number;
  idleMs?: number;
  /** Monotonic clock, ms; injected by tests. */
  now?: () => number;
}

export class BroadcastEndpoint {
  readonly #o: BroadcastEndpointOptions;
  readonly #wss: WebSocketServer;
  readonly #now: () => number;
  readonly #lastHeard = new Map<WebSocket, number>();
  readonly #sweeper: NodeJS.Timeout;
  /** Refusals so far, to log the first and then every hundredth (a wrapper retries every upload). */
  #refusals = 0;
  /** Messages accepted, for tests and logs. */
  received = 0;

  constructor(options: BroadcastEndpointOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
    this.#sweeper = setInterval(() => this.sweep(), 60_000);
    this.#sweeper.unref();
    this.#wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: options.maxMessageBytes ?? MAX_BROADCAST_MESSAGE_BYTES });
    this.#wss.on('connection', (ws: WebSocket, req: IncomingMessage) => this.#connected(ws, req));
  }

  get connections(): number {
    return this.#wss.clients.size;
  }

  /** Takes an upgrade request for BROADCAST_PATH (host and origin already checked by the server). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const urlToken = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
    const address = req.socket.remoteAddress ?? 'unknown';
    const wait = urlToken === null ? 0 : (this.#o.failures?.blockedFor(address) ?? 0);
    if (wait > 0) {
      socket.end(`HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${ErrorCode.AuthBlocked}: too many failed auths from ${address}; refused for ${Math.ceil(wait / 1000)} s more\n`);
      return;
    }
    const verdict = broadcastAccess(this.#o.host, this.#o.token, urlToken);
    if (!verdict.ok && verdict.status === 401 && urlToken !== null) this.#o.failures?.fail(address);
    if (!verdict.ok) {
      // The URL may hold a (wrong) token: log the reason and the peer, never the URL.
      if (++this.#refusals === 1 || this.#refusals % 100 === 0) {
        this.#o.log.warn({ remote: req.socket.remoteAddress, refusals: this.#refusals }, `refused /broadcast: ${verdict.reason}`);
      }
      const status = verdict.status === 401 ? '401 Unauthorized' : '403 Forbidden';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${verdict.reason}\n`);
      return;
    }
    if (this.connections >= (this.#o.maxConnections ?? MAX_BROADCAST_CONNECTIONS)) {
      this.#o.log.warn({ remote: req.socket.remoteAddress, connections: this.connections }, 'refused /broadcast: too many connections');
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#wss.emit('connection', ws, req));
  }

  #connected(ws: WebSocket, req: IncomingMessage): void {
    const remote = req.socket.remoteAddress;
    const bucket = new TokenBucket(BROADCAST_RATE.perSecond, BROADCAST_RATE.burst, this.#now());
    this.#lastHeard.set(ws, this.#now());
    const refuse = (code: number, reason: string) => {
      this.#o.log.warn({ remote, code, reason }, 'closing /broadcast client');
      ws.close(code, closeReason(reason));
    };
    this.#o.log.info({ remote, connections: this.connections }, '/broadcast client connected');
    ws.on('message', (data, isBinary) => {
      // Messages already on the wire when the socket was refused still arrive: ignore them.
      if (ws.readyState !== ws.OPEN) return;
      if (isBinary) return refuse(CLOSE_UNSUPPORTED_DATA, 'binary message; send JSON text frames');
      this.#lastHeard.set(ws, this.#now());
      if (!bucket.take(this.#now())) return refuse(CLOSE_POLICY_VIOLATION, `more than ${BROADCAST_RATE.perSecond} messages/s`);
      const parsed = parseWrapperMessage(String(data));
      if (!parsed.ok) return refuse(CLOSE_INVALID_PAYLOAD, parsed.reason);
      this.received++;
      try {
        this.#o.onMessage(parsed.message);
      } catch (err) {
        this.#o.log.error({ err, remote }, 'handling a /broadcast message failed');
      }
    });
    // ws reports an oversized or broken frame here and closes the socket itself (1009, 1002, …).
    ws.on('error', (err) => this.#o.log.warn({ remote, err: err.message }, 'closing /broadcast client: bad frame'));
    ws.on('close', (code) => {
      this.#lastHeard.delete(ws);
      this.#o.log.info({ remote, code }, '/broadcast client disconnected');
    });
  }

  /** Closes sockets silent for longer than `idleMs` (run every minute). */
  sweep(now = this.#now()): void {
    const idleMs = this.#o.idleMs ?? BROADCAST_IDLE_MS;
    for (const [ws, at] of this.#lastHeard) {
      if (now - at <= idleMs) continue;
      this.#lastHeard.delete(ws);
      this.#o.log.info({ idleS: Math.round((now - at) / 1000) }, 'closing idle /broadcast client');
      ws.close(CLOSE_GOING_AWAY, 'idle');
      setTimeout(() => ws.terminate(), 1000).unref();
    }
  }

  /** Closes every socket with 1001 and stops accepting. */
  close(): Promise<void> {
    clearInterval(this.#sweeper);
    for (const ws of this.#wss.clients) {
      ws.close(CLOSE_GOING_AWAY, 'server shutting down');
      setTimeout(() => ws.terminate(), 1000).unref();
    }
    return new Promise((resolve) => this.#wss.close(() => resolve()));
  }
}
