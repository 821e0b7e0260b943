/**
 * `serve --format png` end to end on real servers: hello and frames say png, frames are palette
 * PNGs of the emulator screen, worker envs encode PNG too, `--record` keeps the bytes, and the HTTP
 * side serves both formats — `/api/frame.png` byte for byte, `/api/frame.jpg` and `/stream.mjpg`
 * transcoded for their readers only — while a JPEG stream gets `/api/frame.png` transcoded.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { decodeRecords } from '../src/protocol/record.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient, type Received } from './helpers/ws-client.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const rgbOf = (img: Uint8Array) => sharp(img).removeAlpha().raw().toBuffer({ resolveWithObject: true });
const wsUrl = (s: Serving) => s.server.url.replace(/^http/, 'ws') + 'ws';

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}

async function getImage(base: string, path: string): Promise<{ type: string | null; seq: number; body: Buffer }> {
  const res = await fetch(new URL(path, base));
  expect(res.status).toBe(200);
  return { type: res.headers.get('content-type'), seq: Number(res.headers.get('x-gbstream-seq')), body: Buffer.from(await res.arrayBuffer()) };
}

/** Reads `count` parts from /stream.mjpg with their Content-Type. */
function readMjpeg(base: string, count: number): Promise<Array<{ type: string; body: Buffer }>> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/stream.mjpg?env=0', base), (res) => {
      let buf = Buffer.alloc(0);
      const parts: Array<{ type: string; body: Buffer }> = [];
      res.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
          const head = buf.indexOf('\r\n\r\n');
          if (head < 0) break;
          const headers = buf.subarray(0, head).toString();
          const length = Number(/Content-Length: (\d+)/i.exec(headers)?.[1]);
          if (buf.length < head + 4 + length + 2) break;
          parts.push({ type: /Content-Type: (\S+)/i.exec(headers)?.[1] ?? '', body: buf.subarray(head + 4, head + 4 + length) });
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

describe('serve --format png', () => {
  let serving: Serving;
  let client: TestClient;
  let recordFile: string;

  beforeAll(async () => {
    recordFile = join(await mkdtemp(join(tmpdir(), 'gbs-png-http-')), 'run.gbrec');
    serving = await serve(testServeOptions({ format: 'png', policy: { kind: 'random' }, seed: 3, record: { file: recordFile } }));
    client = new TestClient(wsUrl(serving));
    await client.waitFor((m) => m.type === 'frame', 15_000);
  });

  afterAll(async () => {
    client?.ws.close();
    await serving?.stop();
  });

  /** The frame the WebSocket carried with this seq (waiting for it if the socket is behind). */
  const frameWithSeq = (seq: number): Promise<Received> => client.waitFor((m) => m.type === 'frame' && m['seq'] === seq, 15_000);

  it('says png in hello and in every frame, and frames are palette PNGs of the screen', async () => {
    const hello = client.of('hello')[0]!;
    expect(hello).toMatchObject({ format: 'png', encoder: 'native-png' });
    const frame = client.of('frame')[0]!;
    expect(frame['format']).toBe('png');
    const data = Buffer.from(frame['data'] as Uint8Array);
    expect(data.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(data[25]).toBe(3); // IHDR colour type: palette
    expect(data.length).toBeLessThan(2000); // a demo frame is ~0.7 KB as PNG, ~10 KB as JPEG
    const { info } = await rgbOf(data);
    expect([info.width, info.height]).toEqual([160, 144]);
  });

  it('/api/frame.png is the streamed frame byte for byte', async () => {
    const got = await getImage(serving.server.url, '/api/frame.png?env=0');
    expect(got.type).toBe('image/png');
    const sent = await frameWithSeq(got.seq);
    expect(got.body.equals(Buffer.from(sent['data'] as Uint8Array))).toBe(true);
  });

  it('/api/frame.jpg is a JPEG of the same frame', async () => {
    const got = await getImage(serving.server.url, '/api/frame.jpg?env=0');
    expect(got.type).toBe('image/jpeg');
    expect([got.body[0], got.body[1]]).toEqual([0xff, 0xd8]);
    const sent = await frameWithSeq(got.seq);
    const [jpeg, png] = await Promise.all([rgbOf(got.body), rgbOf(sent['data'] as Uint8Array)]);
    expect(psnr(jpeg.data, png.data)).toBeGreaterThan(25); // q80 on pixel art: ~29 dB
  });

  it('/stream.mjpg stays JPEG', async () => {
    const parts = await readMjpeg(serving.server.url, 3);
    for (const part of parts) {
      expect(part.type).toBe('image/jpeg');
      expect([part.body[0], part.body[1]]).toEqual([0xff, 0xd8]);
      expect((await rgbOf(part.body)).info.width).toBe(160);
    }
  });

  it('records the PNG frames exactly as streamed', async () => {
    await expect.poll(async () => decodeRecords(await readFile(recordFile)).filter((r) => r.type === 'frame').length, { timeout: 5000 }).toBeGreaterThan(2);
    const records = decodeRecords(await readFile(recordFile));
    expect(records[0]).toMatchObject({ type: 'hello', format: 'png' });
    const recorded = records.find((r) => r.type === 'frame' && client.of('frame').some((f) => f['seq'] === r['seq']))!;
    const streamed = client.of('frame').find((f) => f['seq'] === recorded['seq'])!;
    expect(recorded['format']).toBe('png');
    expect(Buffer.from(recorded['data'] as Uint8Array).equals(Buffer.from(streamed['data'] as Uint8Array))).toBe(true);
  });
});

describe('serve --format png --envs 2 (worker threads)', () => {
  it('encodes PNG in every worker env', async () => {
    const serving = await serve(testServeOptions({ format: 'png', envs: 2 }));
    const client = new TestClient(wsUrl(serving));
    try {
      for (const env of [0, 1]) {
        const frame = await client.waitFor((m) => m.type === 'frame' && m['env'] === env, 15_000);
        expect(frame['format']).toBe('png');
        expect(Buffer.from(frame['data'] as Uint8Array).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      }
      expect(client.of('hello')[0]).toMatchObject({ format: 'png', encoder: 'native-png' });
    } finally {
      client.ws.close();
      await serving.stop();
    }
  });
});

describe('a JPEG stream', () => {
  it('serves /api/frame.png as a lossless PNG of the decoded JPEG, and hello says jpeg', async () => {
    const serving = await serve(testServeOptions({ policy: { kind: 'random' }, seed: 4 }));
    const client = new TestClient(wsUrl(serving));
    try {
      expect((await client.waitFor((m) => m.type === 'hello'))['format']).toBe('jpeg');
      await client.waitFor((m) => m.type === 'frame', 15_000);
      const got = await getImage(serving.server.url, '/api/frame.png');
      expect(got.type).toBe('image/png');
      const sent = await client.waitFor((m) => m.type === 'frame' && m['seq'] === got.seq, 15_000);
      expect(sent['format']).toBe('jpeg');
      const [png, jpeg] = await Promise.all([rgbOf(got.body), rgbOf(sent['data'] as Uint8Array)]);
      expect(png.data.equals(jpeg.data)).toBe(true);
      // HEAD answers with headers only.
      const head = await fetch(new URL('/api/frame.png', serving.server.url), { method: 'HEAD' });
      expect([head.status, head.headers.get('content-type')]).toEqual([200, 'image/png']);
    } finally {
      client.ws.close();
      await serving.stop();
    }
  });
});
