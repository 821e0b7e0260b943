/** A real `ws` client that decodes records and lets a test wait for them. */
import WebSocket from 'ws';
import { decodeRecords, encodeRecord } from '../../src/protocol/record.js';

export type Received = Record<string, unknown> & { type: string; receivedAt: number };

export class TestClient {
  readonly ws: WebSocket;
  readonly messages: Received[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;
  #waiters: Array<() => void> = [];

  /** @param protocols subprotocols to offer (a publisher offers `gbstream.publish.v1`) */
  constructor(url: string, protocols?: string[]) {
    this.ws = new WebSocket(url, protocols);
    this.ws.on('message', (data: Buffer) => {
      for (const m of decodeRecords(new Uint8Array(data))) this.messages.push({ ...m, receivedAt: performance.now() });
      for (const w of this.#waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => {
      this.closeCode = code;
      resolve(code);
      for (const w of this.#waiters.splice(0)) w();
    }));
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) return resolve();
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  of(type: string): Received[] {
    return this.messages.filter((m) => m.type === type);
  }

  /** Resolves with the first message after index `from` that matches, or rejects after `ms`. */
  waitFor(match: (m: Received) => boolean, ms = 15_000, from = 0): Promise<Received> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms; got ${this.messages.map((m) => m.type).join(',')}`)), ms);
      const check = () => {
        const hit = this.messages.slice(from).find(match);
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else if (this.closeCode !== undefined) {
          clearTimeout(timer);
          reject(new Error(`closed with ${this.closeCode} while waiting`));
        } else this.#waiters.push(check);
      };
      check();
    });
  }

  send(message: Record<string, unknown>): void {
    this.ws.send(encodeRecord(message));
  }

  /** Sends a request and waits for the answer carrying the same id. */
  async request(message: Record<string, unknown> & { id: number }, ms = 15_000): Promise<Received> {
    const from = this.messages.length;
    this.send(message);
    return this.waitFor((m) => m['id'] === message.id && m.type !== message.type, ms, from);
  }
}
