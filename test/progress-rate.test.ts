/**
 * Issue 22 item 4 of the remaining list: `POST /api/progress` is limited per remote address by
 * the socket policy's `progress` rate (429 with a coded JSON error past it); another address is
 * not affected. The pure part on an injected clock, then a real server with real requests from
 * two loopback addresses.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { serve } from '../src/app/serve.js';
import { AddressRates } from '../src/server/address-rate.js';
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

describe('POST /api/progress on a real server', () => {
  it('answers 429 with GBS_ERR_RATE_LIMITED past the rate of one address; another address still posts', async () => {
    const serving = await serve(testServeOptions({ control: { mode: 'open' } }));
    try {
      const url = serving.server.url;
      const flood = await Promise.all(Array.from({ length: burst * 3 }, () => post(url, '127.0.0.1')));
      const accepted = flood.filter((r) => r.status === 202).length;
      const refused = flood.filter((r) => r.status === 429);
      expect(accepted).toBeGreaterThanOrEqual(burst);
      // The burst, plus what refilled while the flood was answered (generous on a loaded machine).
      expect(accepted).toBeLessThan(burst * 2);
      expect(refused.length).toBe(flood.length - accepted);
      expect(refused[0]!.body).toMatchObject({ error: 'GBS_ERR_RATE_LIMITED' });
      expect(String(refused[0]!.body['message'])).toMatch(/progress posts\/s from 127\.0\.0\.1/);
      expect(refused[0]!.retryAfter).toBe('1');
      expect((await post(url, '127.0.0.2')).status).toBe(202);
    } finally {
      await serving.stop();
    }
  });
});
