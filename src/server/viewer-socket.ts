/**
 * One viewer (or agent) socket at `/ws`: joins the broadcaster, gets `hello` and the welcome
 * records, and has its messages handled (connection.ts) with the server's policy: who controls,
 * size and rate limits, what `subscribe` may name. Nothing here throws out of a socket callback.
 */
import type { Logger } from '../log.js';
import { CLOSE_POLICY_VIOLATION, CLOSE_TOO_BIG } from '../protocol/close-codes.js';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { ClientMessage, HelloMessage, ServerMessage } from '../protocol/messages.js';
import { encodeRecord, encodeRecordParts } from '../protocol/record.js';
import type { AgentPort } from './agents.js';
import type { Broadcaster } from './broadcaster.js';
import { handleClientData, type ConnectionContext } from './connection.js';
import { tokenChecker, type ControlPolicy } from './control.js';
import { messageLimit, setMessageLimit } from './message-limit.js';
import { ClientLimiter } from './rate-limit.js';
import type { RecordTransport } from './stream-transport.js';

export interface ViewerPolicy {
  log: Logger;
  hello(): Omit<HelloMessage, 'control'>;
  /** Records a joining client gets after hello; bytes are records encoded once for many clients (the map's snapshot). */
  welcome?(): Array<ServerMessage | Uint8Array>;
  control?: ControlPolicy;
  onInput?(message: Extract<ClientMessage, { type: 'input' }>): void | Promise<void>;
  onCommand?(message: Extract<ClientMessage, { type: 'command' }>): void | Promise<void>;
  onProgress?(values: Record<string, number>, source: string): void;
  agents?: AgentPort;
  envCount?: number | (() => number);
  /** Called after a new client got hello and the welcome records. */
  onJoin?(): void;
}

/**
 * Wires one accepted socket (a WebSocket at /ws, or a stream socket: stream-transport.ts);
 * `alive` is the heartbeat's mark (set on every pong).
 */
export function acceptViewer(ws: RecordTransport, remote: string | undefined, broadcaster: Broadcaster<RecordTransport>, o: ViewerPolicy, alive: WeakMap<RecordTransport, boolean>): void {
  const { log } = o;
  const client = broadcaster.add(ws);
  const policy = o.control ?? { mode: 'off' };
  // An agent's batch of screens goes as it is, after the rest of its answer (no copy into one record).
  const reply = (message: ServerMessage) => broadcaster.sendControl(client, message.type === 'obsBatch' && message.screen ? encodeRecordParts(message, 'screen') : encodeRecord(message));
  const agents = o.agents;
  // An env an agent drives in lockstep takes input and commands from that agent only: a viewer's
  // `reset` or `load` would otherwise move the env under the agent between two of its steps.
  const notDrivenByOther = (env: number | undefined) => {
    const owner = agents?.ownerOf(env ?? 0);
    if (owner !== undefined && owner !== client.id) {
      throw new GbsError(ErrorCode.EnvBusy, `env ${env ?? 0} is driven by an agent (client ${owner}); input and commands are refused until it releases the env`);
    }
  };
  const onInput = o.onInput;
  const onCommand = o.onCommand;
  const ctx: ConnectionContext = {
    control: policy.mode === 'open',
    limiter: new ClientLimiter(() => performance.now()),
    close: (reason: string) => {
      log.warn({ client: client.id, reason }, 'closing client');
      ws.close(CLOSE_POLICY_VIOLATION, reason);
    },
    checkToken: tokenChecker(policy, remote),
    granted: () => setMessageLimit(ws, messageLimit(true)),
    reply,
    input: onInput && ((m) => {
      notDrivenByOther(m.env);
      return onInput(m);
    }),
    command: onCommand && ((m) => {
      notDrivenByOther(m.env);
      return onCommand(m);
    }),
    progress: o.onProgress && ((values: Record<string, number>) => o.onProgress!(values, `ws:${client.id}`)),
    subscribe: (envs, fps, extra) => {
      const count = typeof o.envCount === 'function' ? o.envCount() : o.envCount ?? 1;
      const bad = [...(envs ?? []), ...(extra?.thumbs ?? [])].find((e) => e >= count);
      if (bad !== undefined) throw new GbsError(ErrorCode.NoSuchEnv, `no env ${bad}; this server runs envs 0–${count - 1}`);
      client.envs = envs ? new Set(envs) : undefined;
      client.maxFps = fps;
      client.thumbs = extra?.thumbs ? new Set(extra.thumbs) : undefined;
      client.thumbFps = extra?.thumbFps;
      client.states = extra?.states ?? false;
      client.broadcasts = extra?.broadcasts ?? true;
    },
    agent: agents && {
      reset: (m) => agents.reset(client.id, m),
      step: (m) => agents.step(client.id, m),
      release: (m) => agents.release(client.id, m),
      snapshot: (m) => agents.snapshot(client.id, m),
    },
  };
  // A stranger's messages are refused at their frame header past its limit, before ws buffers them.
  setMessageLimit(ws, messageLimit(ctx.control));
  alive.set(ws, true);
  log.info({ client: client.id, remote, clients: broadcaster.size }, 'client connected');
  reply({ ...o.hello(), control: ctx.control });
  for (const message of o.welcome?.() ?? []) {
    if (message instanceof Uint8Array) broadcaster.sendControl(client, message);
    else reply(message);
  }
  ws.on('pong', () => alive.set(ws, true));
  ws.on('message', (data, isBinary) => {
    // The transport's limit (message-limit.ts: ws's receiver, the Unix socket's reader) refused it
    // already at its header; this holds a `ws` without that hook to the same.
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength;
    const limit = messageLimit(ctx.control);
    if (size > limit) {
      ws.close(CLOSE_TOO_BIG, `message over ${limit} bytes`);
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
  o.onJoin?.();
}
