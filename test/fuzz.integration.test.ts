/**
 * Hostile peers: thousands of random and malformed messages over several connections. The
 * server answers with coded errors or closes abusers (1003/1008/1009), never crashes, never
 * leaves an unhandled rejection (vitest fails the run on one), and still serves a new viewer.
 */
import { encode } from '@msgpack/msgpack';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { testServeOptions } from './helpers/serve-options.js';
import { mulberry32 } from '../src/policy/random.js';
import { TestClient } from './helpers/ws-client.js';

let serving: Serving;
let wsUrl: string;

beforeAll(async () => {
  serving = await serve(testServeOptions({ policy: { kind: 'idle' }, seed: 1 }));
  wsUrl = serving.server.url.replace(/^http/, 'ws') + 'ws';
});

afterAll(async () => {
  await serving?.stop();
});

function record(body: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + body.byteLength);
  out.writeUInt32BE(body.byteLength, 0);
  out.set(body, 4);
  return out;
}

/** One random hostile message. */
function hostile(rand: () => number): Buffer | string {
  const pick = Math.floor(rand() * 9);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
  switch (pick) {
    case 0:
      return bytes(1 + Math.floor(rand() * 64)); // noise
    case 1:
      return Buffer.from([0xff, 0xff, 0xff, 0xff, ...bytes(8)]); // huge length prefix
    case 2:
      return record(encode([1, 2, 3])); // not a map
    case 3:
      return record(encode({ kind: 'ping' })); // no type
    case 4:
      return record(encode({ type: ['ping'] })); // wrong type of type
    case 5:
      return record(encode({ type: 'input', buttons: 'up', frames: -1 })); // wrong field types
    case 6:
      return record(encode({ type: `x${Math.floor(rand() * 1e6)}` })); // unknown type
    case 7:
      return 'not binary'; // text frame
    default:
      return record(encode({ type: 'ping', id: Math.floor(rand() * 1000) })); // even valid ones, fast
  }
}

describe('fuzzing the WebSocket endpoint', () => {
  it('survives thousands of hostile messages over several connections', async () => {
    const rand = mulberry32(1234);
    const closes: number[] = [];
    const errorsSeen = new Set<string>();
    const connections = Array.from({ length: 6 }, () => new TestClient(wsUrl));
    await Promise.all(connections.map((c) => c.opened()));
    for (let round = 0; round < 5; round++) {
      for (const c of connections) {
        for (let i = 0; i < 100; i++) if (c.ws.readyState === WebSocket.OPEN) c.ws.send(hostile(rand));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // One oversized message on a fresh connection.
    const big = new TestClient(wsUrl);
    await big.opened();
    big.ws.send(Buffer.alloc(1024 * 1024));
    closes.push(await big.closed);
    await new Promise((r) => setTimeout(r, 300));
    for (const c of connections) {
      for (const m of c.of('error')) errorsSeen.add(m['code'] as string);
      if (c.closeCode !== undefined) closes.push(c.closeCode);
      c.ws.terminate();
    }
    expect(closes.every((code) => [1003, 1008, 1009].includes(code)), `close codes ${closes.join(',')}`).toBe(true);
    expect(closes).toContain(1009);
    for (const code of ['GBS_ERR_BAD_LENGTH', 'GBS_ERR_NOT_A_MAP', 'GBS_ERR_NO_TYPE', 'GBS_ERR_UNKNOWN_TYPE', 'GBS_ERR_BAD_FIELD', 'GBS_ERR_TEXT_FRAME']) {
      expect(errorsSeen, code).toContain(code);
    }
    expect(errorsSeen).toContain('GBS_ERR_RATE_LIMITED');

    // The server is alive and a new viewer gets its ~10 fps.
    const viewer = new TestClient(wsUrl);
    const first = await viewer.waitFor((m) => m.type === 'frame', 15_000);
    await new Promise((r) => setTimeout(r, 1100));
    const frames = viewer.of('frame').filter((f) => f.receivedAt - first.receivedAt <= 1000);
    // Alive and streaming; the exact rate is proven on an injected clock (sampler.test.ts).
    expect(frames.length).toBeGreaterThanOrEqual(5);
    expect(process.memoryUsage().heapUsed).toBeLessThan(512 * 1024 * 1024);
    viewer.ws.close();
  });
});
