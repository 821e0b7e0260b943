/**
 * One table of limits for every kind of socket the server takes (issue 22): what a peer may send
 * before and after it authenticates, how fast, how many bytes may wait for it before it is cut
 * off, and when it counts as dead. The places that enforce them (ClientLimiter for `/ws`,
 * PublisherSession, the `/broadcast` endpoint, `POST /api/progress`) read their numbers here, so a
 * kind cannot quietly end up weaker than another. The decisions are small pure functions.
 */
import { MAX_AGENT_MESSAGE_BYTES, MAX_CLIENT_MESSAGE_BYTES, MAX_PUBLISHER_MESSAGE_BYTES } from '../protocol/constants.js';

/** A kind's rate; a kind without one has none to give. */
export function rateOf(kind: SocketKind): NonNullable<SocketLimits['rate']> {
  const rate = SOCKET_POLICY[kind].rate;
  if (!rate) throw new Error(`socket kind ${kind} has no rate`);
  return rate;
}

export type SocketKind = 'viewer' | 'agent' | 'publisher' | 'broadcast' | 'progress';

export interface SocketLimits {
  /** Largest message before auth (a stranger's), bytes. */
  maxMessageBytesBeforeAuth: number;
  /** Largest message once authenticated, bytes. */
  maxMessageBytes: number;
  /** Messages (records, for `/ws`) per second, the burst above it, refusals before closing; none for HTTP. */
  rate?: { perSecond: number; burst: number; refusalsBeforeClose: number };
  /**
   * Output that may wait for the peer (ws `bufferedAmount`) before it is cut off: small before
   * auth (a stranger only gets short answers), larger after. Past it nothing more is queued.
   */
  outputCapBeforeAuth: number;
  outputCap: number;
  /**
   * The largest snapshot a peer gets unasked when it connects (the Map view's `positions`, cut to
   * fit: map-feed.ts), bytes. Anyone may open /ws, so this is what a stranger costs up front.
   */
  welcomeBytes?: number;
  /** Connections one remote address may hold open at once (kinds anyone may open without a token). */
  maxConnectionsPerAddress?: number;
  /**
   * Error answers a peer gets before it authenticates; the next cuts it off (nothing more of its
   * message is handled). Without one, only the output cap bounds a stranger's refusals, and a
   * loopback socket's kernel buffer takes megabytes of them before that cap is reached.
   */
  errorsBeforeAuth?: number;
  /** Output waiting without draining this long → cut off (ms). */
  stallMs: number;
  /** Heartbeat ping period; a missed pong cuts the peer off (0: no heartbeat, see `/broadcast`). */
  heartbeatMs: number;
}

const MiB = 1024 * 1024;

/**
 * The table. Viewers only ping and press buttons; agents step in lockstep thousands of times a
 * second (one env at `frames=1` takes 3,700 steps/s on a slow 2-core VM); a publisher sends its
 * frames (2,000 messages/s, each env held to 60 records/s by the session); a StreamWrapper sends a
 * few messages a second and cannot answer pings; `POST /api/progress` is limited per address.
 */
export const SOCKET_POLICY: Readonly<Record<SocketKind, Readonly<SocketLimits>>> = {
  viewer: {
    maxMessageBytesBeforeAuth: MAX_CLIENT_MESSAGE_BYTES,
    maxMessageBytes: MAX_CLIENT_MESSAGE_BYTES,
    rate: { perSecond: 50, burst: 100, refusalsBeforeClose: 200 },
    outputCapBeforeAuth: 8 * MiB,
    outputCap: 8 * MiB,
    welcomeBytes: 512 * 1024,
    // Browser tabs, a few trainers' VectorEnvs, a classroom behind one NAT: far below what a
    // script opening sockets in a loop reaches (each costs hello, the snapshot, frames, 8 MiB cap).
    maxConnectionsPerAddress: 128,
    stallMs: 10_000,
    heartbeatMs: 30_000,
  },
  agent: {
    maxMessageBytesBeforeAuth: MAX_CLIENT_MESSAGE_BYTES,
    maxMessageBytes: MAX_AGENT_MESSAGE_BYTES,
    rate: { perSecond: 50_000, burst: 50_000, refusalsBeforeClose: 200 },
    outputCapBeforeAuth: 8 * MiB,
    outputCap: 8 * MiB,
    stallMs: 10_000,
    heartbeatMs: 30_000,
  },
  publisher: {
    maxMessageBytesBeforeAuth: MAX_CLIENT_MESSAGE_BYTES,
    maxMessageBytes: MAX_PUBLISHER_MESSAGE_BYTES,
    rate: { perSecond: 2000, burst: 4000, refusalsBeforeClose: 1000 },
    // Before auth a publisher gets errors and pongs of ~100 bytes: 64 KiB is hundreds of them.
    outputCapBeforeAuth: 64 * 1024,
    outputCap: 8 * MiB,
    // A publisher that authenticates first gets none; a misordered one learns from the first.
    errorsBeforeAuth: 16,
    stallMs: 10_000,
    heartbeatMs: 30_000,
  },
  broadcast: {
    maxMessageBytesBeforeAuth: 256 * 1024, // auth is in the URL: a socket is authenticated or refused
    maxMessageBytes: 256 * 1024,
    rate: { perSecond: 20, burst: 40, refusalsBeforeClose: 0 },
    outputCapBeforeAuth: 0, // the endpoint sends nothing
    outputCap: 0,
    stallMs: 15 * 60_000, // silence, not a stall: the wrapper's loop runs only while it sends
    heartbeatMs: 0,
  },
  progress: {
    // A body per request, answered at once; the rate is per remote address (address-rate.ts),
    // since each request may come on a new connection. Viewers get ≤ 10 progress records/s
    // (progress.ts), so 20 posts/s with a burst of 60 loses nothing a viewer would see.
    rate: { perSecond: 20, burst: 60, refusalsBeforeClose: 0 },
    maxMessageBytesBeforeAuth: 16 * 1024,
    maxMessageBytes: 16 * 1024,
    outputCapBeforeAuth: 0,
    outputCap: 0,
    stallMs: 10_000,
    heartbeatMs: 0,
  },
};

/**
 * Failed auths per remote address, counted across every kind above (auth-failures.ts): the
 * tenth within a minute refuses the address for ten minutes.
 */
export const AUTH_FAILURES = {
  /** Failures an address may have within `windowMs`… */
  perWindow: 10,
  windowMs: 60_000,
  /** …after which it is refused this long. */
  blockMs: 10 * 60_000,
  /** Addresses remembered at most (the oldest go first), so a spray of addresses can't grow it. */
  maxAddresses: 10_000,
};

/** What the output decision looks at: a `ws` WebSocket has it. */
export interface OutputState {
  readonly bufferedAmount: number;
}

/**
 * Whether one more control record (never dropped for a peer in good standing) may be queued for
 * a peer: `queue` while its waiting output stays under the cap for its kind and auth state,
 * `cut-off` once the record would pass it (nothing more is queued; the caller terminates).
 */
export function outputVerdict(socket: OutputState, bytes: number, kind: SocketKind, authed: boolean): 'queue' | 'cut-off' {
  const limits = SOCKET_POLICY[kind];
  const cap = authed ? limits.outputCap : limits.outputCapBeforeAuth;
  return socket.bufferedAmount + bytes > cap ? 'cut-off' : 'queue';
}

/**
 * Stall tracking for sockets that get control records only (no send callbacks to watch): output
 * that has waited, never shrinking, past `stallMs` means a peer that stopped reading.
 */
export class StallWatch {
  #buffered = 0;
  #since = 0;

  /** @returns a reason to cut the peer off, or undefined */
  check(bufferedAmount: number, now: number, limits: Pick<SocketLimits, 'stallMs'>): string | undefined {
    if (bufferedAmount === 0 || bufferedAmount < this.#buffered) {
      this.#buffered = bufferedAmount;
      this.#since = now;
      return undefined;
    }
    if (this.#buffered === 0) this.#since = now;
    this.#buffered = bufferedAmount;
    return now - this.#since > limits.stallMs ? `${bufferedAmount} bytes waited ${Math.round(now - this.#since)} ms without draining (limit ${limits.stallMs} ms)` : undefined;
  }
}
