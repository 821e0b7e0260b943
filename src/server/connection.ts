/**
 * One client connection's protocol handling: decode its messages, answer them. A malformed or
 * unknown message gets an `error` record with a code and the connection stays open. Nothing here
 * throws out of a socket callback.
 */
import type { RawData } from 'ws';
import { ErrorCode, MAX_AGENT_MESSAGE_BYTES, MAX_CLIENT_MESSAGE_BYTES } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { ClientMessage, ServerMessage } from '../protocol/messages.js';
import { decodeRecords } from '../protocol/record.js';
import { parseClientMessage } from './client-message.js';
import type { ClientLimiter } from './rate-limit.js';

/** What a connection may ask of the rest of the server. */
export interface ConnectionContext {
  /** Whether this client may send input/command; `auth` with the right token sets it. */
  control: boolean;
  /** Called once `auth` has granted control rights (the transport raises its message limit). */
  granted?(): void;
  /** Charges every record; closes the connection on abuse or repeated failed auths. */
  limiter?: ClientLimiter;
  /** Closes this connection for breaking the rules (the server picks the close code and logs). */
  close?(reason: string): void;
  /** Checks a control token (constant time); undefined when no token is configured. */
  checkToken?(token: string): boolean;
  /** Reply to this client (control record, never dropped). */
  reply(message: ServerMessage): void;
  /** Applies an allowed `input`; throws or rejects with GbsError when it cannot (answered only then). */
  input?(message: Extract<ClientMessage, { type: 'input' }>): void | Promise<void>;
  /** Agent lockstep operations (`reset`, `step`, `release`) for this client. */
  agent?: {
    reset(message: Extract<ClientMessage, { type: 'reset' }>): Promise<ServerMessage>;
    step(message: Extract<ClientMessage, { type: 'step' }>): Promise<ServerMessage>;
    release(message: Extract<ClientMessage, { type: 'release' }>): Promise<void>;
    snapshot(message: Extract<ClientMessage, { type: 'snapshot' }>): Promise<ServerMessage>;
  };
  /** Publishes training numbers to every viewer. */
  progress?(values: Record<string, number>): void;
  /** Sets this client's env/fps subscription; throws GbsError for unknown envs. */
  subscribe?(envs: number[] | undefined, fps: number | undefined, extra?: Pick<Extract<ClientMessage, { type: 'subscribe' }>, 'thumbs' | 'thumbFps' | 'states' | 'broadcasts'>): void;
  /** Runs an allowed `command`; throws or rejects with GbsError for unknown names or bad args. */
  command?(message: Extract<ClientMessage, { type: 'command' }>): void | Promise<void>;
}

/** One WebSocket message's bytes, whatever shape `ws` delivered them in. */
export function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/**
 * Handles one WebSocket message from a client. Every record is charged to the rate limit; once a
 * record is refused, the rest of its message is refused too (whatever the bucket refilled
 * meanwhile). A refused record with an `id` is answered by that id (GBS_ERR_RATE_LIMITED), so a
 * client waiting for it is never left hanging; each counts as a refusal, so the answers stay
 * bounded: refusals past the limiter's count close the connection.
 */
export function handleClientData(ctx: ConnectionContext, data: RawData, isBinary: boolean): void {
  if (ctx.limiter?.exhausted) return;
  if (!isBinary) {
    if (admit(ctx)) ctx.reply({ type: 'error', code: ErrorCode.TextFrame, message: 'text frames are not part of the protocol; send binary records (uint32 BE length + msgpack map)' });
    return;
  }
  let maps;
  try {
    // Agents may send saved machine states with `reset`; everyone else only small records.
    maps = decodeRecords(toBytes(data), ctx.control ? MAX_AGENT_MESSAGE_BYTES : MAX_CLIENT_MESSAGE_BYTES);
  } catch (err) {
    if (admit(ctx)) replyError(ctx, err);
    return;
  }
  if (maps.length === 0) admit(ctx);
  let refusing = false;
  for (const map of maps) {
    const id = typeof map['id'] === 'number' ? map['id'] : undefined;
    if (refusing || !admit(ctx, id)) {
      if (refusing) refuse(ctx, id);
      refusing = true;
      if (ctx.limiter?.exhausted) return;
      continue;
    }
    try {
      handleMessage(ctx, parseClientMessage(map));
    } catch (err) {
      replyError(ctx, err, id);
    }
    if (ctx.limiter?.exhausted) return;
  }
}

/**
 * Charges one record. An over-rate record is answered by its `id` when it has one (a request
 * someone waits for), otherwise now and then without one; a client that goes on is closed.
 */
function admit(ctx: ConnectionContext, id?: number): boolean {
  if (!ctx.limiter || ctx.limiter.admit(ctx.control)) return true;
  refuse(ctx, id);
  return false;
}

/** Counts one refused record and answers it (by id) or closes the client. */
function refuse(ctx: ConnectionContext, id: number | undefined): void {
  const limiter = ctx.limiter;
  if (!limiter) return;
  const verdict = limiter.refuse();
  if (verdict === 'close') ctx.close?.('message rate limit exceeded again and again');
  else if (id !== undefined || verdict === 'warn') {
    ctx.reply({ type: 'error', id, code: ErrorCode.RateLimited, message: `more than ${limiter.perSecond(ctx.control)} records/s; records are being ignored` });
  }
}

function handleMessage(ctx: ConnectionContext, message: ClientMessage): void {
  switch (message.type) {
    case 'ping':
      ctx.reply({ type: 'pong', id: message.id, t: message.t, serverTs: Date.now() });
      return;
    case 'auth': {
      const denied = !ctx.checkToken
        ? new GbsError(ErrorCode.ControlDenied, 'this server has no control token; start it with --control-token TOKEN (or --control open)')
        : !ctx.checkToken(message.token)
          ? new GbsError(ErrorCode.ControlDenied, 'wrong control token')
          : undefined;
      if (denied) {
        if (!ctx.limiter?.authFailed()) throw denied;
        replyError(ctx, denied, message.id);
        ctx.close?.('too many failed auth attempts');
        return;
      }
      ctx.control = true;
      ctx.granted?.();
      ctx.reply({ type: 'ack', id: message.id, of: 'auth' });
      return;
    }
    case 'input':
      if (!ctx.control || !ctx.input) {
        throw new GbsError(ErrorCode.ControlDenied, 'this connection may not send input: the server allows viewing only (control needs --control-token TOKEN and an auth message, or --control open)');
      }
      ackWhenDone(ctx, ctx.input(message), message.id, 'input');
      return;
    case 'command':
      if (!ctx.control) throw new GbsError(ErrorCode.ControlDenied, 'this connection may not send commands');
      if (!ctx.command) throw new GbsError(ErrorCode.Unsupported, `command ${JSON.stringify(message.name)} is not supported by this server`);
      ackWhenDone(ctx, ctx.command(message), message.id, 'command');
      return;
    case 'reset':
    case 'step':
    case 'snapshot':
    case 'release':
      if (!ctx.control) throw new GbsError(ErrorCode.ControlDenied, `this connection may not send ${message.type}: agents need the control token (auth) or --control open`);
      if (!ctx.agent) throw new GbsError(ErrorCode.Unsupported, `${message.type} is not supported by this server`);
      if (message.type === 'release') {
        ackWhenDone(ctx, ctx.agent.release(message), message.id, 'release');
      } else {
        const answer = message.type === 'reset' ? ctx.agent.reset(message) : message.type === 'step' ? ctx.agent.step(message) : ctx.agent.snapshot(message);
        answer.then(ctx.reply, (err: unknown) => replyError(ctx, err, message.id));
      }
      return;
    case 'subscribe':
      if (!ctx.subscribe) throw new GbsError(ErrorCode.Unsupported, 'subscribe is not supported by this server');
      ctx.subscribe(message.envs, message.fps, message);
      ctx.reply({ type: 'ack', id: message.id, of: 'subscribe' });
      return;
    case 'progress':
      if (!ctx.control) throw new GbsError(ErrorCode.ControlDenied, 'publishing progress needs control rights (auth with the control token)');
      if (!ctx.progress) throw new GbsError(ErrorCode.Unsupported, 'progress is not supported by this server');
      ctx.progress(message.values);
      ctx.reply({ type: 'ack', id: message.id, of: 'progress' });
      return;
    default: {
      const never: never = message;
      throw new GbsError(ErrorCode.UnknownType, `unhandled message ${JSON.stringify(never)}`);
    }
  }
}

/** Acks once `result` (a value or a promise) is done; a rejection becomes the `error` answer instead. */
function ackWhenDone(ctx: ConnectionContext, result: void | Promise<void>, id: number | undefined, of: 'input' | 'command' | 'release'): void {
  Promise.resolve(result).then(
    () => ctx.reply({ type: 'ack', id, of }),
    (err: unknown) => replyError(ctx, err, id),
  );
}

function replyError(ctx: ConnectionContext, err: unknown, id?: number): void {
  if (err instanceof GbsError) {
    ctx.reply({ type: 'error', id, code: err.code, message: err.message });
  } else {
    ctx.reply({ type: 'error', id, code: ErrorCode.Internal, message: 'internal error handling this message' });
  }
}

