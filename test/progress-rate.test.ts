/**
 * Issue 22 item 4 of the remaining list: `POST /api/progress` is limited per remote address by
 * the socket policy's `progress` rate (429 with a coded JSON error past it); another address is
 * not affected. The pure part and a real HTTP server running the API handler, both on a clock the
 * test moves (no timing in the assertions), with requests from two loopback addresses; then that
 * a real `serve` has the limit wired in.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { serve } from '../src/app/serve.js';
import { createApiHandler } from '../src/http/api.js';
import { createMetrics } from '../src/http/metrics.js';
import { AddressRates } from '../src/server/address-rate.js';
import { LatestFrames } from '../src/store/latest-frames.js';
import { SOCKET_POLICY } from '../src/server/socket-policy.js';
import { testServeOptions } from './helpers/serve-options.js';

const { perSecond, burst } = SOCKET_POLICY.progress.rate!;

describe('per-address rate (pure)', () => {
  it('gives each address the burst, then its rate; forgets the least recently seen past its cap', () => {
    let now = 0;
    const rates = new AddressRates('progress', () => now, 2);
    for (let i = 0; i < burst; i++) expect(rates.take('a')).toBe(true);
    expect(rates.take('a')).toBe(false);
    expect(rates.take('b')).toBe(true); // its own bucket
    now += 1000 / perSecond;
    expect(rates.take('a')).toBe(true);
    expect(rates.take('a')).toBe(false);
    // A third address pushes out the least recently seen ('b'), never the one now refused.
    expect(rates.take('c')).toBe(true);
    expect(rates.take('a')).toBe(false);
  });
});

/** One POST /api/progress from `localAddress`; resolves with its status and JSON body. */
function post(url: string, localAddress: string, body = '{"step": 1}'): Promise<{ status: number; body: Record<string, unknown>; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('api/progress', url), { method: 'POST', localAddress, headers: { 'content-type': 'application/json', connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>, retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A real HTTP server running only the API handler, on a clock the test moves. */
async function apiServer(now: () => number): Promise<{ url: string; published: number[]; close(): Promise<void> }> {
  const published: number[] = [];
  const metrics = createMetrics({ clients: () => 0, framesPublished: () => 0, framesSent: () => 0, framesDropped: () => 0, emulatorFps: () => [] });
  const handler = createApiHandler({ latest: new LatestFrames(), metrics, health: () => ({}), openControl: true, publishProgress: (v) => void published.push(v['step']!), now });
  const http = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    published,
    close: () => new Promise((r) => {
      http.closeAllConnections();
      http.close(() => r());
    }),
  };
}

describe('POST /api/progress over HTTP', () => {
  it('answers 429 with GBS_ERR_RATE_LIMITED past the burst of one address; another address still posts; time refills it', async () => {
    let now = 0;
    const api = await apiServer(() => now);
    try {
      const flood = await Promise.all(Array.from({ length: burst * 2 }, () => post(api.url, '127.0.0.1')));
      expect(flood.filter((r) => r.status === 202)).toHaveLength(burst);
      const refused = flood.filter((r) => r.status === 429);
      expect(refused).toHaveLength(burst);
      expect(refused[0]!.body).toMatchObject({ error: 'GBS_ERR_RATE_LIMITED' });
      expect(String(refused[0]!.body['message'])).toMatch(/more than 20 progress posts\/s from 127\.0\.0\.1/);
      expect(refused[0]!.retryAfter).toBe('1');
      expect(api.published).toHaveLength(burst);
      expect((await post(api.url, '127.0.0.2')).status).toBe(202);
      now += 1000;
      const next = await Promise.all(Array.from({ length: perSecond + 5 }, () => post(api.url, '127.0.0.1')));
      expect(next.filter((r) => r.status === 202)).toHaveLength(perSecond);
    } finally {
      await api.close();
    }
  });

  it('is wired into a real server: a flood from one address gets 429s', async () => {
    const serving = await serve(testServeOptions({ control: { mode: 'open' } }));
    try {
      // Batches of 100 at once: each answered far faster than the 5 s it would take to refill 100.
      let refused = 0;
      for (let batch = 0; batch < 10 && refused === 0; batch++) {
        const answers = await Promise.all(Array.from({ length: 100 }, () => post(serving.server.url, '127.0.0.1')));
        refused = answers.filter((r) => r.status === 429).length;
      }
      expect(refused).toBeGreaterThan(0);
    } finally {
      await serving.stop();
    }
  });
});
