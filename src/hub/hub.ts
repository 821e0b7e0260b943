/**
 * The publisher side of a server: takes publisher connections, gives their envs slots in the
 * env table (after the server's own envs), turns their frames into the same `frame` records a
 * local env makes (into the same sink), and tells each publisher what is wanted of its envs.
 *
 * Demand is recomputed every `demandEveryMs` from the viewers' subscriptions, the recorder and
 * MJPEG readers (see demand.ts); a publisher gets a `demand` record only when its part changes.
 * The env set changing (a publisher came or left) reaches viewers and the recorder as one
 * `GBS_ENVS_CHANGED` event listing every env.
 */
import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import type { FrameEncoder } from '../encode/encoder.js';
import { toBytes } from '../server/connection.js';
import { SOCKET_POLICY, StallWatch } from '../server/socket-policy.js';
import type { Logger } from '../log.js';
import { EventCode } from '../protocol/constants.js';
import type { EnvInfo, EventMessage, GameState, StatesMessage } from '../protocol/messages.js';
import type { RecordSink } from '../protocol/sink.js';
import { demandFor, DEFAULT_STATE_FPS, type DemandInputs } from './demand.js';
import { EnvTable } from './env-table.js';
import { PublishedEnv, type PublishedEnvStats } from './published-env.js';
import { PublisherSession, type PublisherHub } from './publisher-session.js';
import type { PreparedFrame } from './raw-frame.js';

export const DEMAND_EVERY_MS = 200;
/** A publisher that misses a pong for this long is cut off (its envs go), like a viewer. */
export const PUBLISHER_HEARTBEAT_MS = SOCKET_POLICY.publisher.heartbeatMs;

export interface HubOptions {
  /** The server's own envs (ids 0..n-1); empty for `gbstream hub`. */
  local: readonly Omit<EnvInfo, 'env'>[];
  encoder: FrameEncoder;
  /** Where published frames and env-set events go: the same fan-out local envs use. */
  sink: RecordSink;
  log: Logger;
  /** `--control open`: publishers need no token. */
  openControl: boolean;
  /** @param from the peer's address (failed auths are counted per address) */
  checkToken?(token: string, from: string): boolean;
  /** The viewers' subscriptions, the recorder, MJPEG readers: read at every demand tick. */
  demandInputs(): DemandInputs;
  /** State rate asked of publishers for envs nobody watches. */
  stateFps?: number;
  maxPublishedEnvs?: number;
  progress?(values: Record<string, number>, source: string): void;
  observeEncode?(seconds: number): void;
  demandEveryMs?: number;
  heartbeatMs?: number;
}

export class Hub {
  readonly table: EnvTable;
  readonly #o: HubOptions;
  readonly #sessions = new Set<PublisherSession>();
  /** Each publisher's socket and whether it answered the last ping. */
  readonly #sockets = new Map<PublisherSession, { ws: WebSocket; alive: boolean; stall: StallWatch }>();
  readonly #envs = new Map<number, PublishedEnv>();
  readonly #timers: NodeJS.Timeout[] = [];
  #nextId = 1;

  constructor(options: HubOptions) {
    this.#o = options;
    this.table = new EnvTable(options.local, options.maxPublishedEnvs);
    const demand = setInterval(() => this.tick(), options.demandEveryMs ?? DEMAND_EVERY_MS);
    const stats = setInterval(() => {
      const now = performance.now();
      for (const env of this.#envs.values()) env.rollStats(now);
      // A publisher whose answers wait unread too long is let go, like a stuck viewer.
      for (const [session, s] of this.#sockets) {
        const reason = s.stall.check(s.ws.bufferedAmount, now, SOCKET_POLICY.publisher);
        if (reason) session.cutOff(reason);
      }
    }, 1000);
    // A publisher whose network dies without a FIN would otherwise keep its envs live forever.
    const heartbeat = setInterval(() => {
      for (const [session, s] of this.#sockets) {
        if (!s.alive) {
          this.#o.log.warn({ publisher: session.id }, 'terminating publisher: no pong to the last heartbeat ping');
          s.ws.terminate();
          continue;
        }
        s.alive = false;
        s.ws.ping();
      }
    }, options.heartbeatMs ?? PUBLISHER_HEARTBEAT_MS);
    for (const t of [demand, stats, heartbeat]) t.unref();
    this.#timers.push(demand, stats, heartbeat);
  }

  get publishers(): number {
    return this.#sessions.size;
  }

  /** The published env with this id (live or gone). */
  env(id: number): PublishedEnv | undefined {
    return this.#envs.get(id);
  }

  /** Numbers of every published env that is live. */
  stats(): PublishedEnvStats[] {
    return [...this.#envs.values()].filter((e) => e.live).map((e) => e.stats);
  }

  /** Latest state of every live published env, for `states` records and HTTP. */
  states(): StatesMessage['envs'] {
    return [...this.#envs.values()].filter((e) => e.live).map((e) => ({ env: e.env, ...e.latest }));
  }

  /** Takes a WebSocket that offered the publisher subprotocol. */
  accept(ws: WebSocket, req: IncomingMessage): void {
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`;
    const session = new PublisherSession({ id: this.#nextId++, remote, address: req.socket.remoteAddress ?? 'unknown', socket: ws, hub: this.#port(), log: this.#o.log });
    this.#sessions.add(session);
    const beat = { ws, alive: true, stall: new StallWatch() };
    this.#sockets.set(session, beat);
    ws.on('pong', () => (beat.alive = true));
    this.#o.log.info({ publisher: session.id, remote }, 'publisher connected');
    ws.on('message', (data: RawData, isBinary: boolean) => {
      try {
        session.handle(toBytes(data), isBinary);
      } catch (err) {
        this.#o.log.error({ err, publisher: session.id }, 'unexpected error handling a publisher message');
      }
    });
    ws.on('error', (err) => this.#o.log.warn({ publisher: session.id, err: err.message }, 'publisher socket error'));
    ws.on('close', (code) => {
      this.#sessions.delete(session);
      this.#sockets.delete(session);
      const gone = this.table.release(session.id);
      for (const id of gone) {
        const env = this.#envs.get(id);
        if (env) env.live = false;
      }
      this.#o.log.info({ publisher: session.id, code, envs: gone.length, received: session.received, refused: session.refused }, 'publisher disconnected; its envs are gone');
      if (gone.length > 0) this.#envsChanged(`${gone.length} env(s) gone: their publisher disconnected`);
    });
  }

  /** Recomputes demand and tells each publisher what changed. */
  tick(): void {
    if (this.#sessions.size === 0) return;
    // Subscribers may be an iterator (the broadcaster's clients): read it once for all publishers.
    const given = this.#o.demandInputs();
    const inputs = { ...given, subscribers: [...given.subscribers] };
    const stateFps = this.#o.stateFps ?? DEFAULT_STATE_FPS;
    for (const session of this.#sessions) {
      if (session.envs.length > 0) session.sendDemand(demandFor(session.envs, inputs), stateFps);
    }
  }

  close(): void {
    for (const t of this.#timers) clearInterval(t);
  }

  #port(): PublisherHub {
    return {
      openControl: this.#o.openControl,
      checkToken: this.#o.checkToken,
      progress: this.#o.progress,
      announce: (session, labels, width, height) => {
        const ids = this.table.claim(session.id, labels, width, height);
        ids.forEach((id, i) => {
          const env = this.#envs.get(id);
          if (env) Object.assign(env, { label: labels[i]!, width, height, live: true });
          else this.#envs.set(id, new PublishedEnv({ env: id, label: labels[i]!, width, height, encoder: this.#o.encoder, sink: this.#o.sink, log: this.#o.log, observeEncode: this.#o.observeEncode }));
        });
        this.#envsChanged(`${ids.length} env(s) published (${ids[0]}–${ids[ids.length - 1]})`);
        // The first demand goes out at once, not at the next tick: a publisher starts right.
        queueMicrotask(() => this.tick());
        return ids;
      },
      frame: (id: number, prepared: PreparedFrame, frame: number | undefined, state: GameState | undefined) => this.#envs.get(id)?.frame(prepared, frame, state),
      state: (id: number, frame: number | undefined, state: GameState) => this.#envs.get(id)?.state(frame, state),
    };
  }

  #envsChanged(message: string): void {
    const event: EventMessage = { type: 'event', ts: Date.now(), level: 'info', code: EventCode.EnvsChanged, message, envs: this.table.list(), count: this.table.count };
    this.#o.sink.event(event);
  }
}
