import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { ErrorCode } from '../src/protocol/constants.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

let serving: Serving;
let wsUrl: string;

beforeAll(async () => {
  serving = await serve(testServeOptions({ policy: { kind: 'random' }, seed: 7 }));
  wsUrl = serving.server.url.replace(/^http/, 'ws') + 'ws';
});

afterAll(async () => {
  await serving?.stop();
});

describe('a real server on port 0 streaming the demo ROM', () => {
  it('sends hello first, then about 10 frames a second of 160×144 JPEG with changing state', async () => {
    const client = new TestClient(wsUrl);
    await client.opened();
    const hello = await client.waitFor((m) => m.type === 'hello');
    expect(client.messages[0]!.type).toBe('hello');
    expect(hello).toMatchObject({ protocol: 1, envs: 1, fps: 10, width: 160, height: 144, encoder: 'native', control: false });
    expect(hello['rom']).toMatchObject({ title: 'GBSTREAM DEMO', cgb: 'cgb-enhanced', headerChecksumOk: true });
    expect((hello['fields'] as string[]).length).toBeGreaterThanOrEqual(5);

    const first = await client.waitFor((m) => m.type === 'frame');
    await new Promise((r) => setTimeout(r, 1050));
    const frames = client.of('frame').filter((f) => f.receivedAt - first.receivedAt <= 1000);
    // About 10: the exact rate is proven on an injected clock (sampler.test.ts); a loaded machine
    // may deliver a few late, so the wall-clock window here is wide.
    expect(frames.length).toBeGreaterThanOrEqual(5);
    expect(frames.length).toBeLessThanOrEqual(15);

    for (let i = 1; i < frames.length; i++) {
      expect(frames[i]!['seq']).toBe((frames[i - 1]!['seq'] as number) + 1);
      expect(frames[i]!['frame'] as number).toBeGreaterThan(frames[i - 1]!['frame'] as number);
    }
    const f = frames[0]!;
    expect(f).toMatchObject({ env: 0, width: 160, height: 144, format: 'jpeg' });
    expect(Math.abs((f['ts'] as number) - Date.now())).toBeLessThan(5000);
    const data = f['data'] as Uint8Array;
    const { data: pixels, info } = await sharp(data).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([160, 144]);
    expect(pixels.length).toBe(160 * 144 * info.channels);

    const states = frames.map((fr) => JSON.stringify(fr['state']));
    expect(new Set(states).size).toBeGreaterThan(1);
    expect(Object.keys(f['state'] as object)).toEqual(hello['fields']);
    client.ws.close();
  });

  it('answers ping with pong, echoing id and t', async () => {
    const client = new TestClient(wsUrl);
    await client.opened();
    const pong = await client.request({ type: 'ping', id: 5, t: 123.5 });
    expect(pong).toMatchObject({ type: 'pong', id: 5, t: 123.5 });
    expect(typeof pong['serverTs']).toBe('number');
    client.ws.close();
  });

  it('sends stats once a second with this client’s counts', async () => {
    const client = new TestClient(wsUrl);
    await client.opened();
    const stats = await client.waitFor((m) => m.type === 'stats', 15_000);
    expect(stats).toMatchObject({ dropped: 0, clients: expect.any(Number) });
    expect(stats['sent'] as number).toBeGreaterThan(0);
    client.ws.close();
  });

  it('answers malformed and unknown messages with coded errors and keeps the connection open', async () => {
    const client = new TestClient(wsUrl);
    await client.opened();
    const cases: Array<[() => void, string]> = [
      [() => client.ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00])), ErrorCode.BadLength],
      [() => client.ws.send(Buffer.from([0, 0, 0, 1, 0xc1])), ErrorCode.BadMsgpack],
      [() => client.ws.send(Buffer.from([0, 0, 0, 9, 1])), ErrorCode.Truncated],
      [() => client.ws.send('{"type":"ping"}'), ErrorCode.TextFrame],
      [() => client.send({ type: 'teleport' }), ErrorCode.UnknownType],
      [() => client.send({ kind: 'ping' }), ErrorCode.NoType],
      [() => client.send({ type: 'input', buttons: ['jump'] }), ErrorCode.BadField],
      [() => client.send({ type: 'input', buttons: ['a'] }), ErrorCode.ControlDenied],
    ];
    for (const [act, code] of cases) {
      const from = client.messages.length;
      act();
      const err = await client.waitFor((m) => m.type === 'error', 15_000, from);
      expect(err['code'], `after sending for ${code}`).toBe(code);
      expect(typeof err['message']).toBe('string');
    }
    expect(client.closeCode).toBeUndefined();
    const pong = await client.request({ type: 'ping', id: 99 });
    expect(pong.type).toBe('pong');
    client.ws.close();
  });

  it('closes an oversized client message with 1009 and keeps serving others', async () => {
    const client = new TestClient(wsUrl);
    await client.opened();
    client.ws.send(Buffer.alloc(64 * 1024));
    expect(await client.closed).toBe(1009);
    const other = new TestClient(wsUrl);
    await other.waitFor((m) => m.type === 'frame');
    other.ws.close();
  });

  it('refuses browser WebSocket connections from another origin', async () => {
    const { default: WebSocket } = await import('ws');
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(wsUrl, { origin: 'https://evil.example' });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(403);
    const same = new TestClient(wsUrl);
    await same.opened(); // no Origin (an agent) is fine
    same.ws.close();
  });

  it('serves the viewer page at / and refuses paths outside web/', async () => {
    const page = await fetch(serving.server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const escape = await fetch(new URL('/..%2fpackage.json', serving.server.url));
    expect(escape.status).toBe(404);
  });
});
