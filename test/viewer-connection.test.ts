/**
 * The viewer's connection state machine against connections that keep ending (issue 12 item 15):
 * a live socket that closes always goes to `reconnecting` (or `closed`), never throws from
 * `onclose`, and never stays "live" without a socket. Unit test on fakes, then the real
 * Connection class with a real `ws` client against a real server that closes every connection.
 */
import { WebSocketServer, WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../src/protocol/record.js';
import { Backoff } from '../web/src/backoff.js';
import { Connection, type ConnState, type SocketLike } from '../web/src/connection.js';

class FakeSocket implements SocketLike {
  binaryType = 'blob';
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send() {}
  close() {
    this.onclose?.({ code: 1000, reason: '' });
  }
}

describe('viewer connection with short-lived connections (issue 12 item 15)', () => {
  it('a live socket that closes goes to reconnecting every time, however many times it happens', () => {
    const sockets: FakeSocket[] = [];
    const states: ConnState[] = [];
    const timers: Array<() => void> = [];
    const conn = new Connection({
      url: 'ws://x/ws',
      createSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      onRecord: () => undefined,
      onState: (s) => states.push(s),
      backoff: new Backoff({ random: () => 0.5 }),
      maxAttempts: 20,
      setTimer: (fn) => timers.push(fn),
      clearTimer: () => undefined,
      now: () => 0, // every connection lasts 0 ms: never "stable"
    });
    conn.start();
    for (let i = 0; i < 50; i++) {
      sockets[i]!.onopen!({});
      expect(conn.state).toBe('live');
      expect(() => sockets[i]!.onclose!({ code: 1006, reason: '' })).not.toThrow();
      expect(conn.state).toBe('reconnecting');
      timers.shift()!();
      expect(conn.state).toBe('connecting');
    }
    expect(states.filter((s) => s === 'live')).toHaveLength(50);
    expect(states).not.toContain('gone');
  });

  it('still gives up after maxAttempts connections in a row that never opened', () => {
    const sockets: FakeSocket[] = [];
    const timers: Array<() => void> = [];
    const conn = new Connection({
      url: 'ws://x/ws',
      createSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      onRecord: () => undefined,
      onState: () => undefined,
      backoff: new Backoff({ random: () => 0 }),
      maxAttempts: 3,
      setTimer: (fn) => timers.push(fn),
      clearTimer: () => undefined,
      now: () => 0,
    });
    conn.start();
    // One live connection, then three failures in a row: gone.
    sockets[0]!.onopen!({});
    sockets[0]!.onclose!({ code: 1006, reason: '' });
    for (let i = 1; i <= 3; i++) {
      timers.shift()!();
      sockets[i]!.onclose!({ code: 1006, reason: '' });
    }
    expect(conn.state).toBe('gone');
  });

  it('against a real server that closes every connection: 30 reconnects, never stuck "live" without a socket', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    let accepted = 0;
    wss.on('connection', (ws) => {
      accepted++;
      ws.send(encodeRecord({ type: 'hello' }));
      ws.close(1011, 'going down again');
    });
    await new Promise((r) => wss.once('listening', r));
    const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws`;
    const states: ConnState[] = [];
    let hellos = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const conn = new Connection({
      url,
      createSocket: (u) => new WebSocket(u) as unknown as SocketLike,
      onRecord: (r) => {
        if (r.type === 'hello') hellos++;
      },
      onState: (s) => {
        states.push(s);
        if (states.filter((x) => x === 'live').length >= 30 && s === 'reconnecting') done();
      },
      backoff: new Backoff({ baseMs: 1, capMs: 4 }),
      maxAttempts: 20,
    });
    try {
      conn.start();
      const stuck = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no 30 reconnects within 5 s; states: ${states.slice(-6).join(' ')} (${conn.state})`)), 5000).unref());
      await Promise.race([finished, stuck]);
    } finally {
      conn.close();
      await new Promise((r) => wss.close(r));
    }
    expect(accepted).toBeGreaterThanOrEqual(30);
    expect(hellos).toBeGreaterThanOrEqual(1);
    expect(states).not.toContain('gone');
    // Every live was followed by reconnecting (or the final close).
    states.forEach((s, i) => {
      if (s === 'live' && i + 1 < states.length) expect(['reconnecting', 'closed']).toContain(states[i + 1]);
    });
  });
});
