/**
 * `serve --socket PATH` (issue 24 item 1): the /ws records on a Unix-domain stream socket, no
 * framing, same viewer code: hello, auth, pings, agent steps; bad peers refused as on /ws; the
 * socket file's mode, its removal, a live server refused and a stale file replaced.
 */
import { mkdtempSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { RecordReader } from '../src/protocol/reader.js';
import { encodeRecord } from '../src/protocol/record.js';
import type { StreamServer } from '../src/server/server.js';
import { startBareServer } from './helpers/bare-server.js';
import { runCli, startCli } from './helpers/cli.js';
import { testServeOptions } from './helpers/serve-options.js';

type Rec = Record<string, unknown> & { type: string };

/** A raw client of the socket: writes bytes, collects records, knows when it was closed. */
class RawClient {
  readonly socket: Socket;
  readonly records: Rec[] = [];
  readonly closed: Promise<void>;
  #reader = new RecordReader({ maxRecordBytes: 64 * 1024 * 1024 });
  #waiters: Array<() => void> = [];

  constructor(path: string) {
    this.socket = connect(path);
    this.socket.on('data', (chunk) => {
      this.#reader.append(chunk);
      for (let r = this.#reader.next(); r; r = this.#reader.next()) this.records.push(r);
      for (const w of this.#waiters.splice(0)) w();
    });
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
  }

  send(message: Record<string, unknown>): void {
    this.socket.write(encodeRecord(message as never));
  }

  async waitFor(match: (r: Rec) => boolean): Promise<Rec> {
    for (;;) {
      const found = this.records.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  request(message: Record<string, unknown> & { id: number }): Promise<Rec> {
    this.send(message);
    return this.waitFor((r) => r['id'] === message.id && r.type !== 'hello');
  }
}

const dir = mkdtempSync(join(tmpdir(), 'gbs-sock-'));
let n = 0;
const socketPath = () => join(dir, `s${++n}.sock`);

let server: StreamServer | undefined;
let serving: Serving | undefined;
afterEach(async () => {
  await server?.close();
  await serving?.stop();
  server = undefined;
  serving = undefined;
});

describe('the socket transport on a bare server', () => {
  it('says hello, answers pings in order, is 0600 and is removed at close', async () => {
    const path = socketPath();
    server = await startBareServer({ socketPath: path });
    expect(server.socketPath).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const c = new RawClient(path);
    expect(await c.waitFor((r) => r.type === 'hello')).toMatchObject({ type: 'hello', control: false });
    // Two records in one write and one record split over two writes are all read.
    const a = encodeRecord({ type: 'ping', id: 1 });
    const b = encodeRecord({ type: 'ping', id: 2 });
    const d = encodeRecord({ type: 'ping', id: 3 });
    c.socket.write(Buffer.concat([a, b, d.subarray(0, 3)]));
    await c.waitFor((r) => r.type === 'pong' && r['id'] === 2);
    c.socket.write(d.subarray(3));
    await c.waitFor((r) => r.type === 'pong' && r['id'] === 3);
    expect(c.records.filter((r) => r.type === 'pong').map((r) => r['id'])).toEqual([1, 2, 3]);
    await server.close();
    server = undefined;
    await c.closed;
    expect(existsSync(path)).toBe(false);
  });

  it('applies the same auth rules as /ws', async () => {
    const path = socketPath();
    server = await startBareServer({ socketPath: path, control: { mode: 'token', token: 'right-token' } });
    const c = new RawClient(path);
    await c.waitFor((r) => r.type === 'hello');
    expect(await c.request({ type: 'reset', id: 1 })).toMatchObject({ type: 'error', code: 'GBS_ERR_CONTROL_DENIED' });
    expect(await c.request({ type: 'auth', id: 2, token: 'wrong-token' })).toMatchObject({ type: 'error', code: 'GBS_ERR_CONTROL_DENIED' });
    expect(await c.request({ type: 'auth', id: 3, token: 'right-token' })).toMatchObject({ type: 'ack', of: 'auth' });
    c.socket.destroy();
  });

  it('refuses and closes a 2 GiB length prefix', async () => {
    const path = socketPath();
    server = await startBareServer({ socketPath: path });
    const c = new RawClient(path);
    await c.waitFor((r) => r.type === 'hello');
    c.socket.write(Buffer.from([0x80, 0, 0, 0, 1, 2, 3]));
    expect(await c.waitFor((r) => r.type === 'error')).toMatchObject({ code: 'GBS_ERR_BAD_LENGTH' });
    await c.closed;
  });

  it('answers garbage inside a record like /ws does, and closes on garbage that is no length', async () => {
    const path = socketPath();
    server = await startBareServer({ socketPath: path });
    const c = new RawClient(path);
    await c.waitFor((r) => r.type === 'hello');
    // A well-framed record whose body is not msgpack: an error, connection kept.
    c.socket.write(Buffer.from([0, 0, 0, 2, 0xc1, 0xc1]));
    expect(await c.waitFor((r) => r.type === 'error')).toMatchObject({ code: 'GBS_ERR_BAD_MSGPACK' });
    expect(await c.request({ type: 'ping', id: 7 })).toMatchObject({ type: 'pong', id: 7 });
    // Text where a length belongs ("GET " is 1.2 GB): refused and closed.
    c.socket.write('GET / HTTP/1.1\r\n\r\n');
    await c.waitFor((r) => r.type === 'error' && r['code'] === 'GBS_ERR_BAD_LENGTH');
    await c.closed;
  });

  it('a non-controlling peer is held to the small record size and closed', async () => {
    const path = socketPath();
    server = await startBareServer({ socketPath: path });
    const c = new RawClient(path);
    await c.waitFor((r) => r.type === 'hello');
    c.send({ type: 'progress', values: { x: 1 }, pad: 'x'.repeat(8000) });
    expect(await c.waitFor((r) => r.type === 'error')).toMatchObject({ code: 'GBS_ERR_TOO_LARGE' });
    await c.closed;
  });

  it('refuses a stranger\'s record over 4 KiB at its length prefix, before the body comes, as /ws does', async () => {
    const path = socketPath();
    server = await startBareServer({ socketPath: path, control: { mode: 'token', token: 'right-token' } });
    const c = new RawClient(path);
    await c.waitFor((r) => r.type === 'hello');
    // Only the prefix of a 100,000-byte record and three bytes of it: the rest never comes.
    c.socket.write(Buffer.from([0, 0x01, 0x86, 0xa0, 0x81, 0xa4, 0x74]));
    const refused = await Promise.race([c.waitFor((r) => r.type === 'error'), new Promise<Rec>((_, reject) => setTimeout(() => reject(new Error('no refusal before the body')), 5000))]);
    expect(refused).toMatchObject({ code: 'GBS_ERR_TOO_LARGE' });
    expect(String(refused['message'])).toContain('100000 bytes');
    await c.closed;
  });

  it('takes records up to the agents\' limit once auth granted control', async () => {
    const path = socketPath();
    server = await startBareServer({ socketPath: path, control: { mode: 'token', token: 'right-token' } });
    const c = new RawClient(path);
    await c.waitFor((r) => r.type === 'hello');
    expect(await c.request({ type: 'auth', id: 1, token: 'right-token' })).toMatchObject({ type: 'ack', of: 'auth' });
    // 100 KB: over a stranger's limit, far under an agent's.
    expect(await c.request({ type: 'ping', id: 2, pad: 'x'.repeat(100_000) })).toMatchObject({ type: 'pong', id: 2 });
    c.socket.destroy();
  });

  it('half a record and then silence is cut off by the heartbeat; half a record and EOF is refused', async () => {
    const path = socketPath();
    server = await startBareServer({ socketPath: path, heartbeatMs: 50 });
    const silent = new RawClient(path);
    await silent.waitFor((r) => r.type === 'hello');
    silent.socket.write(encodeRecord({ type: 'ping', id: 1 }).subarray(0, 5));
    await silent.closed;
    // A peer whose records are whole lives on through many heartbeats.
    const live = new RawClient(path);
    await live.waitFor((r) => r.type === 'hello');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await live.request({ type: 'ping', id: 2 })).toMatchObject({ type: 'pong' });
    const ended = new RawClient(path);
    await ended.waitFor((r) => r.type === 'hello');
    ended.socket.end(encodeRecord({ type: 'ping', id: 1 }).subarray(0, 5));
    expect(await ended.waitFor((r) => r.type === 'error')).toMatchObject({ code: 'GBS_ERR_TRUNCATED' });
    await ended.closed;
    live.socket.destroy();
  });

  it('refuses a path a server answers on, replaces a stale socket file, leaves other files alone', async () => {
    const path = socketPath();
    const other = createServer(() => undefined);
    await new Promise<void>((resolve) => other.listen(path, resolve));
    await expect(startBareServer({ socketPath: path })).rejects.toMatchObject({ code: 'GBS_ERR_LISTEN', message: expect.stringContaining('already listening') });
    // Closing without unlinking leaves a stale file behind, as a killed server does.
    const stale = socketPath();
    const dead = createServer(() => undefined);
    await new Promise<void>((resolve) => dead.listen(stale, resolve));
    const { unlinkSync, linkSync } = await import('node:fs');
    linkSync(stale, `${stale}.keep`);
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    linkSync(`${stale}.keep`, stale);
    unlinkSync(`${stale}.keep`);
    expect(existsSync(stale)).toBe(true);
    server = await startBareServer({ socketPath: stale });
    const c = new RawClient(stale);
    await c.waitFor((r) => r.type === 'hello');
    c.socket.destroy();
    const plain = join(dir, 'plain-file');
    writeFileSync(plain, 'keep me');
    await expect(startBareServer({ socketPath: plain })).rejects.toMatchObject({ code: 'GBS_ERR_LISTEN', message: expect.stringContaining('not a socket') });
    await new Promise<void>((resolve) => other.close(() => resolve()));
  });
});

describe('an agent that reads nothing between steps (broadcasts: false)', () => {
  it('gets no stats, and outlives the stall window that cuts off viewers which never read', async () => {
    const path = socketPath();
    // Stall window 200 ms (stats every 100 ms); no byte cap in the way; no heartbeat.
    server = await startBareServer({ socketPath: path, liveness: { stallMs: 200, byteCap: 1 << 30 }, heartbeatMs: 600_000 });
    const agent = new RawClient(path);
    const viewer = new RawClient(path);
    const lazyAgent = new RawClient(path); // subscribed to no frames, but still takes broadcasts
    for (const c of [agent, viewer, lazyAgent]) await c.waitFor((r) => r.type === 'hello');
    expect(await agent.request({ type: 'subscribe', id: 1, envs: [], broadcasts: false })).toMatchObject({ type: 'ack' });
    expect(await lazyAgent.request({ type: 'subscribe', id: 1, envs: [] })).toMatchObject({ type: 'ack' });
    // While everyone reads: the viewer gets stats, the agent none.
    let seen = 0;
    await viewer.waitFor((r) => r.type === 'stats' && ++seen >= 3);
    expect(agent.records.filter((r) => r.type === 'stats')).toEqual([]);
    // Now nobody reads, and viewer-only records (events here) come faster than a socket holds them.
    for (const c of [agent, viewer, lazyAgent]) c.socket.pause();
    // (A paused client never sees its close: the server's list says who is still served.)
    const event = { type: 'event', ts: 0, level: 'info', code: 'GBS_TEST', message: 'x'.repeat(60_000) } as const;
    while (server.broadcaster.size > 1) {
      server.publishControl(event);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // Both stalled past the window and were let go; the agent, sent nothing, is still served.
    expect(server.broadcaster.size).toBe(1);
    agent.socket.resume();
    expect(await agent.request({ type: 'ping', id: 2 })).toMatchObject({ type: 'pong', id: 2 });
    await Promise.all([viewer, lazyAgent].map((c) => (c.socket.resume(), c.closed)));
    expect(agent.records.filter((r) => r.type === 'event' || r.type === 'stats')).toEqual([]);
    agent.socket.destroy();
  });
});

describe('agents over the socket on a real emulator', () => {
  it('steps an env in lockstep exactly as over /ws, and a closed client frees its env', async () => {
    const path = socketPath();
    serving = await serve(testServeOptions({ socket: path, envs: 2, speed: 'max', control: { mode: 'open' } }));
    const c = new RawClient(path);
    await c.waitFor((r) => r.type === 'hello');
    const reset = await c.request({ type: 'reset', id: 1, env: 1 });
    expect(reset).toMatchObject({ type: 'obs', env: 1 });
    const obs = await c.request({ type: 'step', id: 2, env: 1, buttons: ['right'], frames: 30, observe: 'gray' });
    expect(obs['frame']).toBe((reset['frame'] as number) + 30);
    expect((obs['screen'] as Uint8Array).byteLength).toBe(160 * 144);
    // A batch's screens come in one write after the rest of the answer: a whole record, screen last.
    const batch = await c.request({ type: 'step', id: 5, envs: [1, 0], actions: [['a'], []], frames: 2, observe: 'gray' });
    expect(batch).toMatchObject({ type: 'obsBatch', envs: [1, 0], screenFormat: 'gray', width: 160, height: 144 });
    expect(Object.keys(batch).at(-1)).toBe('screen');
    const screens = batch['screen'] as Uint8Array;
    expect(screens.byteLength).toBe(2 * 160 * 144);
    expect(Buffer.from(screens.subarray(0, 160 * 144))).not.toEqual(Buffer.alloc(160 * 144)); // a picture, not zeros
    c.socket.destroy();
    await c.closed;
    const d = new RawClient(path);
    await d.waitFor((r) => r.type === 'hello');
    // The env was released when the first client went: the next one takes it.
    // (The server may see the close a moment after this client connects: busy until then.)
    let answer = await d.request({ type: 'reset', id: 3, env: 1 });
    for (let id = 4; answer['code'] === 'GBS_ERR_ENV_BUSY' && id < 100; id++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      answer = await d.request({ type: 'reset', id, env: 1 });
    }
    expect(answer).toMatchObject({ type: 'obs', env: 1 });
    d.socket.destroy();
  });
});

describe('gbstream serve --socket (the CLI)', () => {
  it('prints the socket, refuses a second server on it in one line, and removes it on SIGTERM', async () => {
    const path = socketPath();
    const first = await startCli(['serve', '--port', '0', '--core', 'serverboy', '--socket', path]);
    try {
      expect(first.output()).toContain(`socket unix://${path}`);
      const second = await runCli(['serve', '--port', '0', '--core', 'serverboy', '--socket', path]);
      expect(second.code).toBe(1);
      expect(second.stderr.trim().split('\n')).toEqual([`gbstream: --socket ${JSON.stringify(path)}: a server is already listening there`]);
    } finally {
      const exited = new Promise((resolve) => first.child.once('exit', resolve));
      first.child.kill('SIGTERM');
      await exited;
    }
    expect(existsSync(path)).toBe(false);
  });
});
