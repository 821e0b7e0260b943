/**
 * One publisher connection: a small state machine (connected → authorised → announced) over a
 * WebSocket opened with the `gbstream.publish.v1` subprotocol. It validates every record, turns
 * frames into prepared pixels for its envs, enforces the limits (message size, rates, env caps)
 * with coded errors, and sends `demand` when what viewers want of its envs changes. When the
 * socket closes, for whatever reason (a clean close, a crash, SIGKILL), the hub marks its envs gone.
 * Nothing here throws out of a socket callback.
 */
import type { Logger } from '../log.js';
import { CLOSE_POLICY_VIOLATION, CLOSE_TOO_BIG } from '../protocol/close-codes.js';
import { ErrorCode, LENGTH_PREFIX_BYTES, MAX_CLIENT_MESSAGE_BYTES, MAX_PUBLISHER_MESSAGE_BYTES, SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { AnyMessage, GameState, PublisherMessage } from '../protocol/messages.js';
import { decodeRecords, encodeRecord, prefixLength } from '../protocol/record.js';
import { TokenBucket } from '../server/rate-limit.js';
import { outputVerdict, rateOf, SOCKET_POLICY } from '../server/socket-policy.js';
import { parsePublisherMessage } from './publisher-message.js';
import { checkFrameSize, prepareFrame, type PreparedFrame } from './raw-frame.js';


/**
 * Limits per publisher (messages and output from the socket policy). Records of one env: 60/s on
 * average (a burst of 120), whatever the demand, so one env can't flood; bytes: 128 MiB/s.
 */
export const PUBLISHER_LIMITS = {
  envRecordsPerSecond: 60,
  envRecordBurst: 120,
  messagesPerSecond: rateOf('publisher').perSecond,
  messageBurst: rateOf('publisher').burst,
  bytesPerSecond: 128 * 1024 * 1024,
  refusalsBeforeClose: rateOf('publisher').refusalsBeforeClose,
};

/** The part of a `ws` WebSocket a session uses. */
export interface PublisherSocket {
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
  /** Drops the connection at once (a peer that does not read would never finish a close handshake). */
  terminate(): void;
  /** Bytes waiting to be written to the peer. */
  readonly bufferedAmount: number;
}

/** What a session may ask of the hub. */
export interface PublisherHub {
  /** Whether publishing needs no token (`--control open`), and the token check when one is set. */
  readonly openControl: boolean;
  checkToken?(token: string, from: string): boolean;
  /** Claims env slots; returns their server ids. @throws GbsError(TooManyEnvs) */
  announce(session: PublisherSession, labels: string[], width: number, height: number): number[];
  frame(env: number, prepared: PreparedFrame, frame: number | undefined, state: GameState | undefined): void;
  state(env: number, frame: number | undefined, state: GameState): void;
  progress?(values: Record<string, number>, source: string): void;
}

export class PublisherSession {
  readonly id: number;
  readonly remote: string;
  /** The peer's address without the port: failed auths are counted by it. */
  readonly address: string;
  #authed: boolean;
  /** Server env ids, by this publisher's env index. */
  #envs: number[] | undefined;
  #width = SCREEN_WIDTH;
  #height = SCREEN_HEIGHT;
  #demand: number[] | undefined;
  #stateFps = 0;
  #refusals = 0;
  /** Errors answered before auth (SOCKET_POLICY.publisher.errorsBeforeAuth). */
  #errorsBeforeAuth = 0;
  /** Cut off: nothing more from it is handled, nothing more is sent. */
  #cut = false;
  readonly #socket: PublisherSocket;
  readonly #hub: PublisherHub;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #messages: TokenBucket;
  readonly #bytes: TokenBucket;
  readonly #envBuckets: TokenBucket[] = [];
  /** Records accepted and refused (rate limits), for logs and tests. */
  received = 0;
  refused = 0;

  constructor(o: { id: number; remote: string; address?: string; socket: PublisherSocket; hub: PublisherHub; log: Logger; now?: () => number }) {
    this.id = o.id;
    this.remote = o.remote;
    this.address = o.address ?? o.remote;
    this.#socket = o.socket;
    this.#hub = o.hub;
    this.#log = o.log;
    this.#now = o.now ?? (() => performance.now());
    this.#authed = o.hub.openControl;
    const t = this.#now();
    this.#messages = new TokenBucket(PUBLISHER_LIMITS.messagesPerSecond, PUBLISHER_LIMITS.messageBurst, t);
    this.#bytes = new TokenBucket(PUBLISHER_LIMITS.bytesPerSecond, PUBLISHER_LIMITS.bytesPerSecond, t);
  }

  /** Server env ids of this publisher (empty before `announce`). */
  get envs(): readonly number[] {
    return this.#envs ?? [];
  }

  /** Handles one WebSocket message. */
  handle(data: Uint8Array, isBinary: boolean): void {
    if (this.#cut) return;
    const now = this.#now();
    if (isBinary && !this.#authed && data.byteLength > MAX_CLIENT_MESSAGE_BYTES && data.byteLength <= MAX_PUBLISHER_MESSAGE_BYTES) {
      const rest = this.#leadingAuth(data, now);
      if (rest === undefined) return;
      data = rest;
    }
    // Before auth a publisher is a stranger: it gets the viewers' small message limit.
    const limit = this.#authed ? MAX_PUBLISHER_MESSAGE_BYTES : MAX_CLIENT_MESSAGE_BYTES;
    if (data.byteLength > limit) {
      this.#tooLarge(data.byteLength);
      return;
    }
    if (!isBinary) {
      this.#reply({ type: 'error', code: ErrorCode.TextFrame, message: 'text frames are not part of the protocol; send binary records' });
      return;
    }
    if (!this.#messages.take(now) || !this.#bytes.take(now, data.byteLength)) {
      this.#refuse(`more than ${PUBLISHER_LIMITS.messagesPerSecond} messages or ${PUBLISHER_LIMITS.bytesPerSecond >> 20} MiB per second`);
      return;
    }
    let maps;
    try {
      maps = decodeRecords(data, limit);
    } catch (err) {
      this.#replyError(err);
      return;
    }
    for (const map of maps) {
      if (this.#cut) return;
      const id = typeof map['id'] === 'number' ? map['id'] : undefined;
      try {
        this.#handleMessage(parsePublisherMessage(map), now);
      } catch (err) {
        this.#replyError(err, id);
      }
    }
  }

  /** Sends `demand` when it differs from the last one sent. */
  sendDemand(fps: number[], stateFps: number): void {
    if (!this.#envs) return;
    if (this.#demand && stateFps === this.#stateFps && fps.length === this.#demand.length && fps.every((f, i) => f === this.#demand![i])) return;
    this.#demand = fps;
    this.#stateFps = stateFps;
    this.#reply({ type: 'demand', ts: Date.now(), fps, stateFps });
  }

  #handleMessage(message: PublisherMessage, now: number): void {
    switch (message.type) {
      case 'ping':
        this.#reply({ type: 'pong', id: message.id, t: message.t, serverTs: Date.now() });
        return;
      case 'auth':
        if (!this.#hub.checkToken) throw new GbsError(ErrorCode.ControlDenied, 'this server has no control token; start it with --control-token T (or --control open)');
        if (!this.#hub.checkToken(message.token, this.address)) throw new GbsError(ErrorCode.ControlDenied, 'wrong control token');
        this.#authed = true;
        this.#reply({ type: 'ack', id: message.id, of: 'auth' });
        return;
      case 'progress':
        this.#mustBeAuthed('progress');
        this.#hub.progress?.(message.values, `publisher:${this.id}`);
        this.#reply({ type: 'ack', id: message.id, of: 'progress' });
        return;
      case 'announce': {
        this.#mustBeAuthed('announce');
        if (this.#envs) throw new GbsError(ErrorCode.NotAnnounced, 'this connection has announced its envs already; reconnect to announce others');
        const width = message.width ?? SCREEN_WIDTH;
        const height = message.height ?? SCREEN_HEIGHT;
        checkFrameSize(width, height, MAX_PUBLISHER_MESSAGE_BYTES);
        if (message.labels && message.labels.length !== message.envs) {
          throw new GbsError(ErrorCode.BadField, `announce has ${message.envs} envs but ${message.labels.length} labels`);
        }
        const labels = message.labels ?? Array.from({ length: message.envs }, (_, i) => `${this.remote}/${i}`);
        const ids = this.#hub.announce(this, labels, width, height);
        this.#envs = ids;
        this.#width = width;
        this.#height = height;
        for (let i = 0; i < ids.length; i++) this.#envBuckets.push(new TokenBucket(PUBLISHER_LIMITS.envRecordsPerSecond, PUBLISHER_LIMITS.envRecordBurst, now));
        this.#log.info({ publisher: this.id, remote: this.remote, envs: ids.length, first: ids[0], width, height }, 'publisher announced its envs');
        this.#reply({ type: 'announced', id: message.id, envs: ids, maxMessageBytes: MAX_PUBLISHER_MESSAGE_BYTES });
        return;
      }
      case 'pub_frame':
      case 'pub_state': {
        this.#mustBeAuthed(message.type);
        if (!this.#envs) throw new GbsError(ErrorCode.NotAnnounced, `${message.type} before announce: announce your envs first`);
        const env = this.#envs[message.env];
        if (env === undefined) throw new GbsError(ErrorCode.NoSuchEnv, `env ${message.env} was not announced; this publisher has envs 0–${this.#envs.length - 1}`);
        if (!this.#envBuckets[message.env]!.take(now)) {
          this.#refuse(`env ${message.env} sends more than ${PUBLISHER_LIMITS.envRecordsPerSecond} records/s`);
          return;
        }
        this.received++;
        this.#refusals = Math.max(0, this.#refusals - 1);
        if (message.type === 'pub_state') {
          this.#hub.state(env, message.frame, message.state);
          return;
        }
        // No scratch buffer for gray: sharp reads its input after encode() returns.
        const prepared = prepareFrame(message.format, message.data, this.#width, this.#height);
        this.#hub.frame(env, prepared, message.frame, message.state);
        return;
      }
      default: {
        const never: never = message;
        throw new GbsError(ErrorCode.UnknownType, `unhandled message ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * A publisher may send `auth` and its announce in one message (the Python client did until it
   * sent them apart; an announce of 1,024 envs with 64-character labels is ~70 KB). Only the first
   * record is decoded under the stranger's limit: when it is an `auth` with the right token, the
   * rest of the message gets the publisher's limit. Returns that rest, or undefined when the
   * message was answered (refused by the rate limit, too large, a wrong token) and is done.
   */
  #leadingAuth(data: Uint8Array, now: number): Uint8Array | undefined {
    if (!this.#messages.take(now) || !this.#bytes.take(now, data.byteLength)) {
      this.#refuse(`more than ${PUBLISHER_LIMITS.messagesPerSecond} messages or ${PUBLISHER_LIMITS.bytesPerSecond >> 20} MiB per second`);
      return undefined;
    }
    const end = LENGTH_PREFIX_BYTES + prefixLength(data);
    let first: (Record<string, unknown> & { type: string }) | undefined;
    if (end <= MAX_CLIENT_MESSAGE_BYTES) {
      try {
        first = decodeRecords(data.subarray(0, end), MAX_CLIENT_MESSAGE_BYTES)[0];
      } catch {
        first = undefined; // answered below as the oversized message it is
      }
    }
    if (first?.type === 'auth') {
      try {
        this.#handleMessage(parsePublisherMessage(first), now);
      } catch (err) {
        this.#replyError(err, typeof first['id'] === 'number' ? first['id'] : undefined);
      }
    }
    if (!this.#authed) {
      this.#tooLarge(data.byteLength);
      return undefined;
    }
    return data.subarray(end);
  }

  #tooLarge(bytes: number): void {
    const limit = this.#authed ? MAX_PUBLISHER_MESSAGE_BYTES : MAX_CLIENT_MESSAGE_BYTES;
    const hint = this.#authed ? '' : ' (before auth; send `auth` first, alone or as the first record of the message)';
    this.#reply({ type: 'error', code: ErrorCode.TooLarge, message: `message of ${bytes} bytes is over this connection's limit of ${limit}${hint}` });
    this.#socket.close(CLOSE_TOO_BIG, 'message too large');
  }

  #mustBeAuthed(what: string): void {
    if (!this.#authed) throw new GbsError(ErrorCode.ControlDenied, `${what} needs control rights: send auth with the control token first`);
  }

  #refuse(why: string): void {
    this.refused++;
    this.#refusals++;
    if (this.#refusals > PUBLISHER_LIMITS.refusalsBeforeClose) {
      this.#log.warn({ publisher: this.id }, 'closing publisher: rate limit exceeded again and again');
      this.#socket.close(CLOSE_POLICY_VIOLATION, 'rate limit exceeded');
    } else if (this.#refusals === 1 || this.#refusals % 100 === 0) {
      this.#reply({ type: 'error', code: ErrorCode.RateLimited, message: `${why}; records are being dropped (${this.refused} so far)` });
    }
  }

  /** Whether the hub cut this publisher off (its output passed the cap, or it stalled). */
  get cut(): boolean {
    return this.#cut;
  }

  /** Terminates the connection: nothing more is handled or sent. */
  cutOff(reason: string): void {
    if (this.#cut) return;
    this.#cut = true;
    this.#log.warn({ publisher: this.id, remote: this.remote, reason, refused: this.refused }, 'cutting off publisher');
    this.#socket.terminate();
  }

  /**
   * Queues a control record unless the output waiting for this peer would pass its cap (small
   * before auth): a peer that floods requests and never reads the answers is cut off instead.
   */
  #reply(message: AnyMessage): void {
    if (this.#cut) return;
    const record = encodeRecord(message);
    if (outputVerdict(this.#socket, record.byteLength, 'publisher', this.#authed) === 'cut-off') {
      this.cutOff(`${this.#socket.bufferedAmount} bytes of answers wait unread (cap ${this.#authed ? 'after' : 'before'} auth)`);
      return;
    }
    this.#socket.send(record);
  }

  #replyError(err: unknown, id?: number): void {
    // A stranger that only earns errors (e.g. 163 `announce` records a message, never reading) is
    // cut off after a few: answering each of them cost the main thread ~20 µs and a syscall.
    const budget = SOCKET_POLICY.publisher.errorsBeforeAuth;
    if (!this.#authed && budget !== undefined && ++this.#errorsBeforeAuth > budget) {
      this.cutOff(`more than ${budget} errors before auth`);
      return;
    }
    if (err instanceof GbsError) this.#reply({ type: 'error', id, code: err.code, message: err.message });
    else {
      this.#log.error({ err, publisher: this.id }, 'unexpected error handling a publisher message');
      this.#reply({ type: 'error', id, code: ErrorCode.Internal, message: 'internal error handling this message' });
    }
  }
}
