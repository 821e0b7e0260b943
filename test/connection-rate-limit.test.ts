/**
 * The connection's rate limit as a client sees it: the refusal names the limit that applies to
 * this client (viewers' or agents'), and a batched `step` is one record, so one token.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../src/protocol/constants.js';
import type { ServerMessage } from '../src/protocol/messages.js';
import { encodeRecord } from '../src/protocol/record.js';
import { handleClientData, type ConnectionContext } from '../src/server/connection.js';
import { ClientLimiter, MESSAGE_RATE } from '../src/server/rate-limit.js';

function context(control: boolean, rate = MESSAGE_RATE): { ctx: ConnectionContext; replies: ServerMessage[] } {
  const replies: ServerMessage[] = [];
  const ctx: ConnectionContext = {
    control,
    limiter: new ClientLimiter(() => 0, rate), // a stopped clock: the bucket never refills
    reply: (m) => replies.push(m),
    agent: {
      step: async (m) => ({ type: 'ack', id: m.id, of: 'step' }) as ServerMessage,
      reset: async (m) => ({ type: 'ack', id: m.id, of: 'reset' }) as ServerMessage,
      release: async () => undefined,
      snapshot: async (m) => ({ type: 'ack', id: m.id, of: 'snapshot' }) as ServerMessage,
    },
  };
  return { ctx, replies };
}

function send(ctx: ConnectionContext, records: Array<Record<string, unknown>>): void {
  handleClientData(ctx, Buffer.concat(records.map((r) => encodeRecord(r))), true);
}

const rateLimited = (replies: ServerMessage[]) => replies.filter((m) => m.type === 'error' && m.code === ErrorCode.RateLimited);

describe('rate-limit refusals', () => {
  it('tell a viewer the viewers’ limit', () => {
    const { ctx, replies } = context(false);
    send(ctx, Array.from({ length: MESSAGE_RATE.burst + 1 }, (_, i) => ({ type: 'ping', id: i + 1 })));
    const [refusal] = rateLimited(replies);
    expect(refusal && 'message' in refusal && refusal.message).toContain(`more than ${MESSAGE_RATE.perSecond} records/s`);
  });

  it('tell a controlling client (an agent) the agents’ limit, not the viewers’', () => {
    const { ctx, replies } = context(true);
    send(ctx, Array.from({ length: MESSAGE_RATE.controlBurst + 1 }, (_, i) => ({ type: 'ping', id: i + 1 })));
    const [refusal] = rateLimited(replies);
    expect(refusal && 'message' in refusal && refusal.message).toContain(`more than ${MESSAGE_RATE.controlPerSecond} records/s`);
  });

  it('answer every refused request by its id, so no waiter hangs (issue 22 item 8), and close a client that goes on', () => {
    const { ctx, replies } = context(false);
    let closed = '';
    ctx.close = (reason) => (closed = reason);
    const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ type: 'ping', id: from + i }));
    send(ctx, ids(1, MESSAGE_RATE.burst + 60)); // 60 over the burst in one message
    send(ctx, ids(1000, 30)); // and in later messages
    send(ctx, ids(2000, 1));
    const answered = new Map<number, string>();
    for (const m of replies) {
      const id = 'id' in m ? m.id : undefined;
      expect(id, JSON.stringify(m)).toBeDefined();
      expect(answered.has(id!), `id ${id} answered twice`).toBe(false);
      answered.set(id!, m.type === 'error' ? m.code : m.type);
    }
    const sent = [...ids(1, MESSAGE_RATE.burst + 60), ...ids(1000, 30), ...ids(2000, 1)].map((m) => m.id);
    expect([...answered.keys()].sort((a, b) => a - b)).toEqual(sent);
    expect([...answered.values()].filter((t) => t === 'pong')).toHaveLength(MESSAGE_RATE.burst);
    expect(closed).toBe('');
    // Refusals are bounded: past refusalsBeforeClose the connection is closed and nothing more is answered.
    send(ctx, ids(3000, MESSAGE_RATE.refusalsBeforeClose));
    expect(closed).toContain('rate limit');
    expect(replies.filter((m) => 'id' in m && m.id! >= 3000).length).toBeLessThan(MESSAGE_RATE.refusalsBeforeClose);
  });

  it('refuse the rest of a message once one of its records is refused, whatever the bucket refilled meanwhile', () => {
    let t = 0;
    const replies: ServerMessage[] = [];
    const ctx: ConnectionContext = {
      control: false,
      limiter: new ClientLimiter(() => t, MESSAGE_RATE),
      // A slow server: by the time the first refusal is answered, a second has passed (50 tokens back).
      reply: (m) => (replies.push(m), m.type === 'error' && (t += 1000)),
    };
    send(ctx, Array.from({ length: MESSAGE_RATE.burst + 40 }, (_, i) => ({ type: 'ping', id: i + 1 })));
    expect(replies.filter((m) => m.type === 'pong')).toHaveLength(MESSAGE_RATE.burst);
    expect(rateLimited(replies)).toHaveLength(40);
    send(ctx, [{ type: 'ping', id: 999 }]); // the next message gets the refilled tokens
    expect(replies.at(-1)).toMatchObject({ type: 'pong', id: 999 });
  });

  it('charge a batched step of 8 envs one token, like a single step', () => {
    const rate = { ...MESSAGE_RATE, controlPerSecond: 3, controlBurst: 3 };
    const { ctx, replies } = context(true, rate);
    const batch = { type: 'step', envs: [0, 1, 2, 3, 4, 5, 6, 7], actions: Array.from({ length: 8 }, () => ['a']), frames: 1 };
    send(ctx, [1, 2, 3].map((id) => ({ ...batch, id })));
    expect(rateLimited(replies)).toEqual([]);
    send(ctx, [{ ...batch, id: 4 }]);
    expect(rateLimited(replies)).toHaveLength(1);
  });
});
