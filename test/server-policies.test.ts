import { describe, expect, it } from 'vitest';
import { tokenChecker, tokenMatches } from '../src/server/control.js';
import { livenessVerdict } from '../src/server/liveness.js';
import { isOriginAllowed } from '../src/server/origin.js';
import { TokenBucket } from '../src/server/rate-limit.js';

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
