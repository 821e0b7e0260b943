/** The socket policy table and its pure decisions (src/server/socket-policy.ts). */
import { describe, expect, it } from 'vitest';
import { MESSAGE_RATE } from '../src/server/rate-limit.js';
import { PUBLISHER_LIMITS } from '../src/hub/publisher-session.js';
import { BROADCAST_RATE, MAX_BROADCAST_MESSAGE_BYTES } from '../src/server/broadcast-endpoint.js';
import { DEFAULT_LIVENESS } from '../src/server/liveness.js';
import { outputVerdict, SOCKET_POLICY, StallWatch, type SocketKind } from '../src/server/socket-policy.js';

describe('the table', () => {
  it('is what the enforcing places use', () => {
    expect(MESSAGE_RATE.perSecond).toBe(SOCKET_POLICY.viewer.rate!.perSecond);
    expect(MESSAGE_RATE.controlPerSecond).toBe(SOCKET_POLICY.agent.rate!.perSecond);
    expect(PUBLISHER_LIMITS.messagesPerSecond).toBe(SOCKET_POLICY.publisher.rate!.perSecond);
    expect(BROADCAST_RATE.perSecond).toBe(SOCKET_POLICY.broadcast.rate!.perSecond);
    expect(MAX_BROADCAST_MESSAGE_BYTES).toBe(SOCKET_POLICY.broadcast.maxMessageBytes);
    expect(DEFAULT_LIVENESS).toEqual({ stallMs: SOCKET_POLICY.viewer.stallMs, byteCap: SOCKET_POLICY.viewer.outputCap });
  });

  it('gives every socket that is answered an output cap and a stall deadline, smaller before auth', () => {
    for (const kind of ['viewer', 'agent', 'publisher'] as SocketKind[]) {
      const p = SOCKET_POLICY[kind];
      expect(p.outputCap, kind).toBeGreaterThan(0);
      expect(p.outputCapBeforeAuth, kind).toBeLessThanOrEqual(p.outputCap);
      expect(p.maxMessageBytesBeforeAuth, kind).toBeLessThanOrEqual(p.maxMessageBytes);
      expect(p.stallMs, kind).toBeGreaterThan(0);
      expect(p.heartbeatMs, kind).toBeGreaterThan(0);
    }
  });
});

describe('outputVerdict', () => {
  it('cuts a stranger off at its small cap and an authenticated publisher at the large one', () => {
    const cap = SOCKET_POLICY.publisher.outputCapBeforeAuth;
    expect(outputVerdict({ bufferedAmount: cap - 100 }, 100, 'publisher', false)).toBe('queue');
    expect(outputVerdict({ bufferedAmount: cap - 100 }, 101, 'publisher', false)).toBe('cut-off');
    expect(outputVerdict({ bufferedAmount: cap }, 100, 'publisher', true)).toBe('queue');
  });
});

describe('StallWatch', () => {
  const limits = { stallMs: 1000 };
  it('reports output that waited without shrinking past the deadline', () => {
    const w = new StallWatch();
    expect(w.check(500, 0, limits)).toBeUndefined();
    expect(w.check(600, 900, limits)).toBeUndefined();
    expect(w.check(600, 1001, limits)).toMatch(/600 bytes waited 1001 ms/);
  });

  it('restarts the clock when output drains or shrinks', () => {
    const w = new StallWatch();
    w.check(500, 0, limits);
    expect(w.check(400, 900, limits)).toBeUndefined();
    expect(w.check(400, 1500, limits)).toBeUndefined();
    expect(w.check(0, 1600, limits)).toBeUndefined();
    expect(w.check(10, 2000, limits)).toBeUndefined();
    expect(w.check(10, 3001, limits)).toMatch(/waited 1001 ms/);
  });
});
