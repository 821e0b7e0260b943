/**
 * Hostile or broken publishers against a real hub: each gets a coded error (or a coded close),
 * and none of them disturbs a good publisher's envs.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PUBLISHER_LIMITS } from '../src/hub/publisher-session.js';
import { startHub, type HubServing } from '../src/app/hub.js';
import { silentLogger } from '../src/log.js';
import { ErrorCode, MAX_PUBLISHER_MESSAGE_BYTES, PUBLISHER_SUBPROTOCOL } from '../src/protocol/constants.js';
import { encodeRecord } from '../src/protocol/record.js';
import { TestClient } from './helpers/ws-client.js';

const TOKEN = 'bad-publisher-token';
const RGB = 160 * 144 * 3;

describe('bad publishers get coded errors; good ones carry on', () => {
  let serving: HubServing;
  let url: string;
  let good: TestClient;
  let goodEnvs: number[];
  const open: TestClient[] = [];

  /** A publisher-role socket, authorised and announced unless told otherwise. */
  async function publisher(o: { auth?: boolean; announce?: Record<string, unknown> } = {}): Promise<TestClient> {
    const c = new TestClient(url, [PUBLISHER_SUBPROTOCOL]);
    open.push(c);
    await c.opened();
    expect(c.ws.protocol).toBe(PUBLISHER_SUBPROTOCOL);
    if (o.auth !== false) expect((await c.request({ type: 'auth', id: 1, token: TOKEN })).type).toBe('ack');
    if (o.announce) await c.request({ type: 'announce', id: 2, ...o.announce });
    return c;
  }

  const errorCode = async (c: TestClient, message: Record<string, unknown> & { id: number }) => (await c.request(message))['code'];

  beforeAll(async () => {
    serving = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, maxEnvs: 9, control: { mode: 'token', token: TOKEN }, log: silentLogger() });
    url = serving.server.url.replace(/^http/, 'ws') + 'ws';
    good = await publisher({ announce: { envs: 2, labels: ['good/0', 'good/1'] } });
    goodEnvs = good.of('announced')[0]!['envs'] as number[];
  });
  afterAll(async () => {
    for (const c of open) c.ws.terminate();
    await serving?.stop();
  });

  it('no token, a wrong token: GBS_ERR_CONTROL_DENIED', async () => {
    const c = await publisher({ auth: false });
    expect(await errorCode(c, { type: 'announce', id: 3, envs: 1 })).toBe(ErrorCode.ControlDenied);
    expect(await errorCode(c, { type: 'auth', id: 4, token: 'not-the-token' })).toBe(ErrorCode.ControlDenied);
  });

  it('frames before announce, a second announce: GBS_ERR_NOT_ANNOUNCED', async () => {
    const c = await publisher();
    c.send({ type: 'pub_state', env: 0, state: { x: 1 } });
    expect((await c.waitFor((m) => m.type === 'error'))['code']).toBe(ErrorCode.NotAnnounced);
    await c.request({ type: 'announce', id: 5, envs: 1 });
    expect(await errorCode(c, { type: 'announce', id: 6, envs: 1 })).toBe(ErrorCode.NotAnnounced);
  });

  it('too many envs: GBS_ERR_TOO_MANY_ENVS, and nothing is claimed', async () => {
    const c = await publisher();
    const before = serving.hub.table.count;
    expect(await errorCode(c, { type: 'announce', id: 7, envs: 20 })).toBe(ErrorCode.TooManyEnvs);
    expect(serving.hub.table.count).toBe(before);
  });

  it('bad sizes: an announced size out of range, a frame of the wrong byte count: GBS_ERR_BAD_SIZE', async () => {
    const c = await publisher();
    expect(await errorCode(c, { type: 'announce', id: 8, envs: 1, width: 4000, height: 144 })).toBe(ErrorCode.BadSize);
    await c.request({ type: 'announce', id: 9, envs: 1 });
    const from = c.messages.length;
    c.send({ type: 'pub_frame', env: 0, format: 'rgb', data: new Uint8Array(RGB - 1) });
    expect((await c.waitFor((m) => m.type === 'error', 15_000, from))['code']).toBe(ErrorCode.BadSize);
  });

  it('bad formats: an unknown pixel format, a "jpeg" that is a PNG: GBS_ERR_BAD_FORMAT; a JPEG of another size: GBS_ERR_BAD_SIZE; a missing env: GBS_ERR_NO_SUCH_ENV', async () => {
    const c = await publisher({ announce: { envs: 1 } });
    let from = c.messages.length;
    c.send({ type: 'pub_frame', env: 0, format: 'bgr', data: new Uint8Array(RGB) });
    expect((await c.waitFor((m) => m.type === 'error', 15_000, from))['code']).toBe(ErrorCode.BadFormat);
    from = c.messages.length;
    c.send({ type: 'pub_frame', env: 0, format: 'jpeg', data: Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a) });
    expect((await c.waitFor((m) => m.type === 'error', 15_000, from))['code']).toBe(ErrorCode.BadFormat);
    from = c.messages.length;
    // A JPEG whose header says 16k×16k, announced as 160×144: refused before anyone decodes it.
    c.send({ type: 'pub_frame', env: 0, format: 'jpeg', data: Uint8Array.of(0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0x40, 0, 0x40, 0, 1, 1, 0x11, 0) });
    const oversized = await c.waitFor((m) => m.type === 'error', 15_000, from);
    expect([oversized['code'], oversized['message']]).toEqual([ErrorCode.BadSize, 'jpeg frame is 16384×16384; this publisher announced 160×144']);
    from = c.messages.length;
    c.send({ type: 'pub_state', env: 1, state: { x: 1 } });
    expect((await c.waitFor((m) => m.type === 'error', 15_000, from))['code']).toBe(ErrorCode.NoSuchEnv);
  });

  it('a flood of one env: GBS_ERR_RATE_LIMITED, the extra records dropped', async () => {
    const c = await publisher({ announce: { envs: 1 } });
    const burst = Array.from({ length: PUBLISHER_LIMITS.envRecordBurst + 50 }, (_, i) => encodeRecord({ type: 'pub_state', env: 0, frame: i, state: { x: i } }));
    c.ws.send(Buffer.concat(burst));
    expect((await c.waitFor((m) => m.type === 'error'))['code']).toBe(ErrorCode.RateLimited);
    const env = serving.hub.env((c.of('announced')[0]!['envs'] as number[])[0]!)!;
    expect(env.latest.frame).toBeLessThan(PUBLISHER_LIMITS.envRecordBurst + 50 - 1);
  });

  it('oversized messages: GBS_ERR_TOO_LARGE, then the connection is closed (1009); before auth the limit is 4 KiB', async () => {
    const big = await publisher({ announce: { envs: 1 } });
    big.ws.send(new Uint8Array(MAX_PUBLISHER_MESSAGE_BYTES + 1));
    expect((await big.waitFor((m) => m.type === 'error'))['code']).toBe(ErrorCode.TooLarge);
    expect(await big.closed).toBe(1009);
    const stranger = await publisher({ auth: false });
    stranger.ws.send(new Uint8Array(8 * 1024));
    expect((await stranger.waitFor((m) => m.type === 'error'))['code']).toBe(ErrorCode.TooLarge);
    expect(await stranger.closed).toBe(1009);
  });

  it('the good publisher is untouched: its envs are live and its frames still reach viewers', async () => {
    const viewer = new TestClient(url);
    open.push(viewer);
    await viewer.waitFor((m) => m.type === 'hello');
    good.send({ type: 'pub_frame', env: 1, format: 'gray', data: new Uint8Array(160 * 144).fill(99), state: { ok: 1 } });
    const frame = await viewer.waitFor((m) => m.type === 'frame' && m['env'] === goodEnvs[1]);
    expect(frame['state']).toEqual({ ok: 1 });
    expect(serving.hub.table.list().filter((e) => goodEnvs.includes(e.env)).every((e) => e.live)).toBe(true);
  });
});

describe('a publisher that stops answering pings', () => {
  it('is cut off after a missed heartbeat and its envs go', async () => {
    const serving = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, control: { mode: 'token', token: TOKEN }, log: silentLogger(), heartbeatMs: 100 });
    try {
      // A frozen peer: its socket stays open but never pongs (autoPong off).
      const ws = new WebSocket(serving.server.url.replace(/^http/, 'ws') + 'ws', [PUBLISHER_SUBPROTOCOL], { autoPong: false });
      await new Promise((resolve) => ws.once('open', resolve));
      ws.send(Buffer.concat([encodeRecord({ type: 'auth', id: 1, token: TOKEN }), encodeRecord({ type: 'announce', id: 2, envs: 1 })]));
      await expect.poll(() => serving.hub.table.livePublished(), { timeout: 3000, interval: 20 }).toBe(1);
      await expect.poll(() => serving.hub.table.livePublished(), { timeout: 3000, interval: 20 }).toBe(0);
      expect(serving.hub.table.list().map((e) => e.live)).toEqual([false]);
      ws.terminate();
    } finally {
      await serving.stop();
    }
  });
});

describe('frame formats on a hub', () => {
  it('encodes raw frames to the hub’s --format (png here) and passes a ready JPEG through as jpeg', async () => {
    const serving = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, format: 'png', control: { mode: 'token', token: TOKEN }, log: silentLogger() });
    const url = serving.server.url.replace(/^http/, 'ws') + 'ws';
    try {
      const pub = new TestClient(url, [PUBLISHER_SUBPROTOCOL]);
      await pub.opened();
      await pub.request({ type: 'auth', id: 1, token: TOKEN });
      await pub.request({ type: 'announce', id: 2, envs: 2 });
      const viewer = new TestClient(url);
      expect((await viewer.waitFor((m) => m.type === 'hello'))['format']).toBe('png');
      pub.send({ type: 'pub_frame', env: 0, format: 'gray', data: new Uint8Array(160 * 144).fill(7) });
      const png = await viewer.waitFor((m) => m.type === 'frame' && m['env'] === 0);
      expect(png['format']).toBe('png');
      expect([...(png['data'] as Uint8Array).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
      const jpeg = new Uint8Array(await sharp(Buffer.alloc(RGB, 50), { raw: { width: 160, height: 144, channels: 3 } }).jpeg().toBuffer());
      pub.send({ type: 'pub_frame', env: 1, format: 'jpeg', data: jpeg });
      const passed = await viewer.waitFor((m) => m.type === 'frame' && m['env'] === 1);
      expect(passed['format']).toBe('jpeg');
      expect([...(passed['data'] as Uint8Array)]).toEqual([...jpeg]);
      pub.ws.close();
      viewer.ws.close();
    } finally {
      await serving.stop();
    }
  });
});
