import { describe, expect, it } from 'vitest';
import { tokenChecker, tokenMatches } from '../src/server/control.js';
import { livenessVerdict } from '../src/server/liveness.js';
import { isHostAllowed, isLoopback, isOriginAllowed } from '../src/server/origin.js';
import { ClientLimiter, MAX_FAILED_AUTHS, TokenBucket } from '../src/server/rate-limit.js';

describe('livenessVerdict', () => {
  const limits = { stallMs: 10_000, byteCap: 1000 };
  it('keeps an idle client however long it has been quiet', () => {
    expect(livenessVerdict({ bufferedAmount: 0, inFlight: false, lastDrainAt: 0 }, 60_000, limits)).toBeUndefined();
  });
  it('keeps a client that drained recently', () => {
    expect(livenessVerdict({ bufferedAmount: 500, inFlight: true, lastDrainAt: 55_000 }, 60_000, limits)).toBeUndefined();
  });
  it('lets go of a client that has not drained for the deadline', () => {
    expect(livenessVerdict({ bufferedAmount: 0, inFlight: true, lastDrainAt: 49_000 }, 60_000, limits)).toMatch(/nothing drained for 11000 ms/);
  });
  it('lets go of a client whose queue passed the byte cap', () => {
    expect(livenessVerdict({ bufferedAmount: 1001, inFlight: false, lastDrainAt: 60_000 }, 60_000, limits)).toMatch(/1001 bytes passed the 1000-byte cap/);
  });
});

describe('TokenBucket', () => {
  it('allows the burst, then the rate', () => {
    const b = new TokenBucket(10, 5, 0);
    const first = Array.from({ length: 8 }, () => b.take(0));
    expect(first.filter(Boolean)).toHaveLength(5);
    expect(b.take(50)).toBe(false);
    expect(b.take(100)).toBe(true); // 100 ms at 10/s refills one
    expect(b.take(100)).toBe(false);
  });
});

describe('ClientLimiter (issue 12 item 7)', () => {
  const rate = { perSecond: 10, burst: 3, refusalsBeforeClose: 2, controlPerSecond: 100, controlBurst: 6 };
  it('charges each record, warns on the first refusal and closes when refusals go on', () => {
    let now = 0;
    const limiter = new ClientLimiter(() => now, rate);
    expect([1, 2, 3, 4].map(() => limiter.admit(false))).toEqual([true, true, true, false]);
    expect(limiter.refuse()).toBe('warn');
    expect(limiter.refuse()).toBe('quiet');
    expect(limiter.exhausted).toBe(false);
    now = 100; // one token back, and a good record earns one refusal back
    expect(limiter.admit(false)).toBe(true);
    expect(limiter.refuse()).toBe('quiet');
    expect(limiter.refuse()).toBe('close');
    expect(limiter.exhausted).toBe(true);
  });
  it('gives controlling clients the larger budget', () => {
    const limiter = new ClientLimiter(() => 0, rate);
    expect(Array.from({ length: 7 }, () => limiter.admit(true)).filter(Boolean)).toHaveLength(6);
  });
  it(`is exhausted at the ${MAX_FAILED_AUTHS}th failed auth`, () => {
    const limiter = new ClientLimiter(() => 0, rate);
    const verdicts = Array.from({ length: MAX_FAILED_AUTHS }, () => limiter.authFailed());
    expect(verdicts.lastIndexOf(false)).toBe(MAX_FAILED_AUTHS - 2);
    expect(verdicts.at(-1)).toBe(true);
  });
});

describe('isOriginAllowed', () => {
  it('allows clients that send no Origin (agents, scripts)', () => {
    expect(isOriginAllowed(undefined, '127.0.0.1:8080', [])).toBe(true);
  });
  it('allows the same origin and refuses others unless listed', () => {
    expect(isOriginAllowed('http://127.0.0.1:8080', '127.0.0.1:8080', [])).toBe(true);
    expect(isOriginAllowed('https://evil.example', '127.0.0.1:8080', [])).toBe(false);
    expect(isOriginAllowed('https://dash.example', '127.0.0.1:8080', ['https://dash.example'])).toBe(true);
    expect(isOriginAllowed('https://any.example', '127.0.0.1:8080', ['*'])).toBe(true);
    expect(isOriginAllowed('null', '127.0.0.1:8080', [])).toBe(false);
  });
});

describe('isHostAllowed (DNS-rebinding guard, issue 12 item 6)', () => {
  const allowed = (host: string, origins: string[] = []) => isHostAllowed(host, '127.0.0.1', origins);
  it('accepts exact loopback names, with or without a port', () => {
    for (const host of ['127.0.0.1', '127.0.0.1:8080', '127.1.2.3:80', '127.255.255.254', 'localhost', 'localhost:8080', 'LOCALHOST:8080', '[::1]', '[::1]:8080', '::1']) {
      expect(allowed(host), host).toBe(true);
    }
  });
  it('refuses hostile names that only look like loopback', () => {
    const hostile = [
      '127.0.0.1.evil.example', '127.0.0.1.evil.example:8080', '127.evil', '127.evil:8080', 'localhost.evil', 'localhost.evil:8080',
      '0x7f.1', '0x7f000001', '2130706433', '127.1', '127.0.0.01', '127.0.0.256', '0177.0.0.1', 'evil.example', 'evil.example:8080',
      'localhost:8080@evil.example', 'localhost:80x', '[::1].evil', '[::1]:', '127.0.0.1:', '', ' 127.0.0.1', 'localhost.', '[::2]', '::2',
    ];
    for (const host of hostile) expect(allowed(host), host).toBe(false);
  });
  it('accepts the hosts of --allow-origin origins, and everything with *', () => {
    expect(allowed('dash.example', ['https://dash.example'])).toBe(true);
    expect(allowed('dash.example:8080', ['https://dash.example'])).toBe(true);
    expect(allowed('dash.example.evil', ['https://dash.example'])).toBe(false);
    expect(allowed('anything.example', ['*'])).toBe(true);
  });
  it('applies only to a server bound to loopback', () => {
    expect(isHostAllowed('evil.example', '0.0.0.0', [])).toBe(true);
    expect(isHostAllowed('evil.example', '127.0.0.1.evil.example', [])).toBe(true);
    expect(isLoopback('127.0.0.1.evil.example')).toBe(false);
    expect(isLoopback('127.0.0.2')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
  });
});

describe('control tokens', () => {
  it('compares tokens of any length without throwing', () => {
    expect(tokenMatches('secret-token', 'secret-token')).toBe(true);
    expect(tokenMatches('secret-token', 'secret')).toBe(false);
    expect(tokenMatches('secret-token', 'x'.repeat(1000))).toBe(false);
  });
  it('has no checker unless a token is configured', () => {
    expect(tokenChecker({ mode: 'open' })).toBeUndefined();
    expect(tokenChecker({ mode: 'token', token: 'abcdefgh' })?.('abcdefgh')).toBe(true);
  });
});
