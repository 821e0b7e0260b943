/**
 * Fan-out of encoded records to clients. Knows bytes and sockets only: never JPEG, never the
 * emulator. One Buffer is sent to every client (server frames are not masked, so no copies).
 *
 * Latest frame wins per (client, env): a client has at most one frame in flight; a frame that
 * cannot go now waits in that client's slot for its env, where a newer frame of the same env
 * replaces it (the replaced one counts as dropped). When the socket drains, the env that has
 * waited longest goes next — so with `--envs N` a slow client still sees every env, instead of
 * only the env whose frames happen to arrive when the socket is free.
 */
import { DEFAULT_THUMB_FPS } from '../protocol/constants.js';
import { shouldSend } from './backpressure.js';

/** The part of a `ws` WebSocket the broadcaster uses; tests pass fakes with a controlled buffer. */
export interface Socket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: Uint8Array, cb?: (err?: Error) => void): void;
  /** Sends pieces that make one record, in one write (a stream socket's `writev`); absent: they are joined for `send`. */
  sendParts?(parts: readonly Uint8Array[], cb?: (err?: Error) => void): void;
}

const OPEN = 1;

export class Client<S extends Socket = Socket> {
  readonly socket: S;
  readonly id: number;
  readonly connectedAt = Date.now();
  /** Last time (performance.now) a send completed: the liveness check's measure of progress. */
  lastDrainAt = performance.now();
  inFlight = false;
  /** Envs this client subscribed to; undefined = every env. */
  envs: ReadonlySet<number> | undefined;
  /** Most frames per second per env this client wants; undefined = every published frame. */
  maxFps: number | undefined;
  /** Envs this client shows as thumbnails, at `thumbFps` (subscribe `thumbs`). */
  thumbs: ReadonlySet<number> | undefined;
  thumbFps: number | undefined;
  /** Whether this client asked for `states` records. */
  states = false;
  /**
   * Whether this client gets the records sent to every viewer (`stats`, events, progress);
   * an agent that subscribed with `broadcasts: false` gets only the answers to its requests.
   */
  broadcasts = true;
  /** When a frame of each env was last sent (for `maxFps`). */
  readonly lastSentAt = new Map<number, number>();
  sent = 0;
  dropped = 0;
  bytesSent = 0;
  /** The newest unsent frame of each env, oldest-waiting env first (Map keeps insertion order). */
  readonly waiting = new Map<number, Uint8Array>();

  constructor(socket: S, id: number) {
    this.socket = socket;
    this.id = id;
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** Frames waiting for this client's socket to drain (at most one per env). */
  get pendingFrames(): number {
    return this.waiting.size;
  }
}

export class Broadcaster<S extends Socket = Socket> {
  readonly #clients = new Set<Client<S>>();
  #nextId = 1;
  /** Frames published (whether or not any client took them). */
  published = 0;
  /** Frame records sent and dropped over every client ever connected: never go down. */
  framesSent = 0;
  framesDropped = 0;

  get size(): number {
    return this.#clients.size;
  }

  clients(): IterableIterator<Client<S>> {
    return this.#clients.values();
  }

  add(socket: S): Client<S> {
    const client = new Client(socket, this.#nextId++);
    this.#clients.add(client);
    return client;
  }

  /** Forgets a client; frames still waiting for it count as dropped (offered, never delivered). */
  remove(client: Client<S>): void {
    this.#clients.delete(client);
    for (const env of client.waiting.keys()) this.#discard(client, env);
  }

  /** Drops `env`'s waiting frame for `client` unsent (deleting while iterating a Map is safe). */
  #discard(client: Client<S>, env: number): void {
    client.waiting.delete(env);
    client.dropped++;
    this.framesDropped++;
  }

  /**
   * Offers a frame record of `env` to every client that subscribed to it: sent now when the
   * client can take it, else kept as that env's waiting frame (replacing, and dropping, an older one).
   */
  broadcastFrame(record: Uint8Array, env = 0, now = performance.now()): void {
    this.published++;
    for (const client of this.#clients) {
      if (client.socket.readyState !== OPEN) continue;
      if (!wants(client, env, now)) continue;
      if (client.waiting.has(env)) {
        client.dropped++;
        this.framesDropped++;
      }
      client.waiting.set(env, record);
      client.lastSentAt.set(env, now);
      this.#pump(client);
    }
  }

  /** Sends the longest-waiting env's frame if the client can take one now. */
  #pump(client: Client<S>): void {
    // A subscription may have changed since these frames were offered.
    if (client.envs) for (const env of client.waiting.keys()) if (!client.envs.has(env) && !client.thumbs?.has(env)) this.#discard(client, env);
    const next = client.waiting.entries().next();
    if (next.done || client.socket.readyState !== OPEN) return;
    const [env, record] = next.value;
    if (shouldSend(client, record.byteLength) !== 'send') return;
    client.waiting.delete(env);
    client.inFlight = true;
    client.sent++;
    this.framesSent++;
    client.bytesSent += record.byteLength;
    client.socket.send(record, () => {
      client.inFlight = false;
      client.lastDrainAt = performance.now();
      this.#pump(client);
    });
  }

  /**
   * Sends a control record (hello, stats, event, ack, error, pong, an agent's answer): never
   * dropped. A record in pieces (encodeRecordParts) goes in one write where the socket can.
   */
  sendControl(client: Client<S>, record: Uint8Array | readonly Uint8Array[]): void {
    if (client.socket.readyState !== OPEN) return;
    const done = () => {
      client.lastDrainAt = performance.now();
      // A full user-space queue (control records) may have held a frame back.
      if (!client.inFlight) this.#pump(client);
    };
    if (record instanceof Uint8Array) {
      client.bytesSent += record.byteLength;
      client.socket.send(record, done);
      return;
    }
    client.bytesSent += record.reduce((n, part) => n + part.byteLength, 0);
    if (client.socket.sendParts) client.socket.sendParts(record, done);
    else client.socket.send(record.length === 1 ? record[0]! : Buffer.concat(record), done);
  }

  /** Sends a control record to every client that takes broadcasts. */
  broadcastControl(record: Uint8Array): void {
    for (const client of this.#clients) if (client.broadcasts) this.sendControl(client, record);
  }
}

/** Whether a client's subscription takes a frame of `env` at `now` (not a drop when it doesn't). */
export function wants(client: Pick<Client, 'envs' | 'maxFps' | 'lastSentAt'> & Partial<Pick<Client, 'thumbs' | 'thumbFps'>>, env: number, now: number): boolean {
  let fps = client.maxFps;
  if (client.envs && !client.envs.has(env)) {
    if (!client.thumbs?.has(env)) return false;
    fps = client.thumbFps ?? DEFAULT_THUMB_FPS;
  }
  if (fps === undefined) return true;
  const last = client.lastSentAt.get(env);
  // 10 % slack so a 10 fps subscription to a 10 fps stream doesn't lose frames to jitter.
  return last === undefined || now - last >= (1000 / fps) * 0.9;
}
