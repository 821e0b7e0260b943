/**
 * Fan-out of encoded records to clients. Knows bytes and sockets only: never JPEG, never the
 * emulator. One Buffer is sent to every client (server frames are not masked, so no copies).
 */
import { shouldSend } from './backpressure.js';

/** The part of a `ws` WebSocket the broadcaster uses; tests pass fakes with a controlled buffer. */
export interface Socket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: Uint8Array, cb?: (err?: Error) => void): void;
}

const OPEN = 1;

export class Client<S extends Socket = Socket> {
  readonly socket: S;
  readonly id: number;
  readonly connectedAt = Date.now();
  /** Last time (performance.now) a send completed: the liveness check's measure of progress. */
  lastDrainAt = performance.now();
  inFlight = false;
  sent = 0;
  dropped = 0;
  bytesSent = 0;

  constructor(socket: S, id: number) {
    this.socket = socket;
    this.id = id;
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }
}

export class Broadcaster<S extends Socket = Socket> {
  readonly #clients = new Set<Client<S>>();
  #nextId = 1;
  /** Frames published (whether or not any client took them). */
  published = 0;

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

  remove(client: Client<S>): void {
    this.#clients.delete(client);
  }

  /** Sends a frame record to every client that can take it now; drops it for the others. */
  broadcastFrame(record: Uint8Array): void {
    this.published++;
    for (const client of this.#clients) {
      if (client.socket.readyState !== OPEN) continue;
      if (shouldSend(client, record.byteLength) !== 'send') {
        client.dropped++;
        continue;
      }
      client.inFlight = true;
      client.sent++;
      client.bytesSent += record.byteLength;
      client.socket.send(record, () => {
        client.inFlight = false;
        client.lastDrainAt = performance.now();
      });
    }
  }

  /** Sends a control record (hello, stats, event, ack, error, pong): never dropped. */
  sendControl(client: Client<S>, record: Uint8Array): void {
    if (client.socket.readyState !== OPEN) return;
    client.bytesSent += record.byteLength;
    client.socket.send(record, () => {
      client.lastDrainAt = performance.now();
    });
  }

  /** Sends a control record to every client. */
  broadcastControl(record: Uint8Array): void {
    for (const client of this.#clients) this.sendControl(client, record);
  }
}
