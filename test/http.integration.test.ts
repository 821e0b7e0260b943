/**
 * The HTTP fallback serves the same data as the WebSocket: state, latest frame, an MJPEG stream
 * that parses into JPEGs, and Prometheus metrics with the server's counters.
 */
import { request } from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

let serving: Serving;
let base: string;

beforeAll(async () => {
  serving = await serve(testServeOptions({ policy: { kind: 'random' }, seed: 3, control: { mode: 'open' } }));
  base = serving.server.url;
});

afterAll(async () => {
  await serving?.stop();
});

async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL(path, base));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Reads `count` JPEG parts from /stream.mjpg. */
function readMjpeg(count: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/stream.mjpg?env=0', base), (res) => {
      const boundary = /boundary=(\S+)/.exec(res.headers['content-type'] ?? '')?.[1];
      if (!boundary) return reject(new Error(`no boundary in ${res.headers['content-type']}`));
      let buf = Buffer.alloc(0);
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
          const head = buf.indexOf('\r\n\r\n');
          if (head < 0) break;
          const length = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, head).toString())?.[1]);
          if (buf.length < head + 4 + length + 2) break;
          parts.push(buf.subarray(head + 4, head + 4 + length));
          buf = buf.subarray(head + 4 + length + 2);
          if (parts.length === count) {
            req.destroy();
            resolve(parts);
            return;
          }
        }
      });
    });
    req.on('error', (err) => (err.message.includes('aborted') ? undefined : reject(err)));
    req.end();
  });
}

describe('HTTP fallback and metrics', () => {
  it('health and envs', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const health = await getJson('/api/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true, rom: 'GBSTREAM DEMO' });
    const envs = await getJson('/api/envs');
    expect((envs.body as unknown as Array<{ env: number }>)[0]).toMatchObject({ env: 0, width: 160, height: 144 });
  });

  it('/api/state matches the state the WebSocket sent for the same frame', async () => {
    const client = new TestClient(base.replace(/^http/, 'ws') + 'ws');
    const frame = await client.waitFor((m) => m.type === 'frame');
    const { body } = await getJson('/api/state');
    const env0 = body['0'] as { seq: number; state: Record<string, number> };
    const same = client.of('frame').find((f) => f['seq'] === env0.seq);
    expect(same ?? frame).toBeDefined();
    if (same) expect(env0.state).toEqual(same['state']);
    expect(Object.keys(env0.state)).toEqual(Object.keys(frame['state'] as object));
    client.ws.close();
  });

  it('/api/frame.jpg is the latest frame; bad env values are refused', async () => {
    const res = await fetch(new URL('/api/frame.jpg?env=0', base));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([160, 144]);
    expect((await fetch(new URL('/api/frame.jpg?env=7', base))).status).toBe(404);
    expect((await fetch(new URL('/api/frame.jpg?env=-1', base))).status).toBe(400);
    expect((await fetch(new URL('/api/nothing', base))).status).toBe(404);
  });

  it('/stream.mjpg parses into decodable JPEGs that change', async () => {
    const parts = await readMjpeg(4);
    for (const p of parts) {
      expect(p.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      expect((await sharp(p).metadata()).width).toBe(160);
    }
    expect(new Set(parts.map((p) => p.toString('base64'))).size).toBeGreaterThan(1);
  });

  it('/metrics exposes the counters', async () => {
    const client = new TestClient(base.replace(/^http/, 'ws') + 'ws');
    await client.waitFor((m) => m.type === 'frame');
    const text = await (await fetch(new URL('/metrics', base))).text();
    expect(text).toMatch(/^gbstream_clients [1-9]/m);
    expect(text).toMatch(/^gbstream_frames_published_total [1-9]/m);
    expect(text).toMatch(/^gbstream_frames_sent_total [1-9]/m);
    expect(text).toMatch(/^gbstream_frames_dropped_total \d/m);
    expect(text).toMatch(/^gbstream_emulator_fps\{env="0"\} \d/m);
    expect(text).toMatch(/^gbstream_encode_seconds_count [1-9]/m);
    client.ws.close();
  });
});

describe('training progress', () => {
  it('POST /api/progress reaches every viewer at once; bad bodies are refused', async () => {
    const a = new TestClient(base.replace(/^http/, 'ws') + 'ws');
    const b = new TestClient(base.replace(/^http/, 'ws') + 'ws');
    await Promise.all([a.opened(), b.opened()]);
    const post = (body: string) => fetch(new URL('/api/progress', base), { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect((await post(JSON.stringify({ episode: 3, step: 1200, total: 10000, reward: 1.5 }))).status).toBe(202);
    for (const c of [a, b]) {
      const p = await c.waitFor((m) => m.type === 'progress');
      expect(p).toMatchObject({ source: 'http', values: { episode: 3, step: 1200, total: 10000, reward: 1.5 } });
    }
    const late = new TestClient(base.replace(/^http/, 'ws') + 'ws');
    const latest = await late.waitFor((m) => m.type === 'progress');
    expect(late.messages.findIndex((m) => m.type === 'progress')).toBe(1); // right after hello
    expect(latest['values']).toMatchObject({ step: 1200 });
    late.ws.close();
    const got = await fetch(new URL('/api/progress', base));
    expect(await got.json()).toMatchObject({ source: 'http', values: { episode: 3, step: 1200 } });
    const foreign = await fetch(new URL('/api/progress', base), { method: 'POST', body: '{"step":1}', headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect((await post('not json')).status).toBe(400);
    expect((await post('[1,2]')).status).toBe(400);
    expect((await post(JSON.stringify({ loss: 'high' }))).status).toBe(400);
    expect((await post('x'.repeat(20_000))).status).toBe(413);
    a.ws.close();
    b.ws.close();
  });

  it('subscribe filters envs and caps fps; unknown envs are refused', async () => {
    const c = new TestClient(base.replace(/^http/, 'ws') + 'ws');
    await c.opened();
    expect(await c.request({ type: 'subscribe', id: 1, envs: [3] })).toMatchObject({ type: 'error', code: 'GBS_ERR_NO_SUCH_ENV' });
    expect(await c.request({ type: 'subscribe', id: 2, envs: [] })).toMatchObject({ type: 'ack', of: 'subscribe' });
    const from = c.of('frame').length;
    await new Promise((r) => setTimeout(r, 600));
    expect(c.of('frame').length - from).toBeLessThanOrEqual(1); // at most one already in flight
    expect(await c.request({ type: 'subscribe', id: 3, envs: [0], fps: 2 })).toMatchObject({ type: 'ack' });
    const start = c.of('frame').length;
    await new Promise((r) => setTimeout(r, 2100));
    // About 4; the exact cap is proven on an injected clock (broadcaster.test.ts), so the
    // wall-clock window here is wide.
    const got = c.of('frame').length - start;
    expect(got).toBeGreaterThanOrEqual(2);
    expect(got).toBeLessThanOrEqual(8);
    c.ws.close();
  });
});

describe('who may publish progress, and DNS rebinding', () => {
  it('refuses progress without a token unless control is open, and needs the bearer token when one is set', async () => {
    const off = await serve(testServeOptions());
    const withToken = await serve(testServeOptions({ control: { mode: 'token', token: 'progress-token-1' } }));
    try {
      const post = (url: string, headers: Record<string, string> = {}) =>
        fetch(new URL('/api/progress', url), { method: 'POST', body: '{"step": 1}', headers: { 'content-type': 'application/json', ...headers } });
      expect((await post(off.server.url)).status).toBe(403);
      expect((await post(withToken.server.url)).status).toBe(401);
      expect((await post(withToken.server.url, { authorization: 'Bearer wrong-token' })).status).toBe(401);
      expect((await post(withToken.server.url, { authorization: 'Bearer progress-token-1' })).status).toBe(202);
    } finally {
      await off.stop();
      await withToken.stop();
    }
  });

  it('a loopback server answers only to loopback host names', async () => {
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(new URL('/api/health', base), { headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    const port = new URL(base).port;
    expect(await status(`evil.example:${port}`)).toBe(403);
    expect(await status(`localhost:${port}`)).toBe(200);
    expect(await status(`127.0.0.1:${port}`)).toBe(200);
  });
});
