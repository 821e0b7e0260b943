/**
 * Progress fan-out is coalesced (issue 12 item 8): a controlling agent may send thousands of
 * `progress` messages a second and `POST /api/progress` has no limit, but viewers get at most
 * ~10 a second, the latest values winning. Unit tests on an injected clock and timer; then a real
 * server flooded over WebSocket and over HTTP.
 */
import { describe, expect, it } from 'vitest';
import { serve } from '../src/app/serve.js';
import type { ProgressMessage } from '../src/protocol/messages.js';
import { PROGRESS_INTERVAL_MS, ProgressCoalescer } from '../src/server/progress.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

function fakeTime() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void }> = [];
  return {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => {
      const t = { at: now + ms, fn };
      timers.push(t);
      return t;
    },
    clearTimer: (t: unknown) => {
      const i = timers.indexOf(t as (typeof timers)[number]);
      if (i >= 0) timers.splice(i, 1);
    },
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > end) break;
        timers.shift();
        now = next.at;
        next.fn();
      }
      now = end;
    },
  };
}

describe('ProgressCoalescer', () => {
  it('publishes at most one message per interval, the latest values winning, and the last one always', () => {
    const time = fakeTime();
    const published: ProgressMessage[] = [];
    const at: number[] = [];
    const c = new ProgressCoalescer({ publish: (m) => (published.push(m), at.push(time.now())), ...time });
    // 5,000 messages over one second: five every millisecond.
    for (let i = 0; i < 5000; i++) {
      c.offer({ step: i }, 'ws:1');
      if (i % 5 === 4) time.advance(1);
    }
    time.advance(PROGRESS_INTERVAL_MS);
    expect(published.length).toBeGreaterThanOrEqual(9);
    expect(published.length).toBeLessThanOrEqual(11);
    expect(published.at(-1)!.values).toEqual({ step: 4999 });
    for (let k = 1; k < at.length; k++) expect(at[k]! - at[k - 1]!).toBeGreaterThanOrEqual(PROGRESS_INTERVAL_MS);
    expect(c.latest?.values).toEqual({ step: 4999 });
  });

  it('publishes a lone message at once, and nothing after close', () => {
    const time = fakeTime();
    const published: ProgressMessage[] = [];
    const c = new ProgressCoalescer({ publish: (m) => published.push(m), ...time });
    c.offer({ reward: 1 }, 'http');
    expect(published.map((m) => m.values)).toEqual([{ reward: 1 }]);
    c.offer({ reward: 2 }, 'http');
    c.close();
    time.advance(1000);
    expect(published).toHaveLength(1);
  });
});

describe('ProgressCoalescer clocks (issue 22 item 9)', () => {
  it('paces on the injected monotonic clock: a wall clock set back an hour stalls nothing, and stamps ts', () => {
    const time = fakeTime();
    let wall = 1_700_000_000_000;
    const published: ProgressMessage[] = [];
    const c = new ProgressCoalescer({ publish: (m) => published.push(m), ...time, wallClock: () => wall });
    c.offer({ step: 1 }, 'agent');
    wall -= 3_600_000; // the wall clock is set back an hour (NTP, a VM resumed, a user)
    time.advance(PROGRESS_INTERVAL_MS);
    c.offer({ step: 2 }, 'agent');
    time.advance(PROGRESS_INTERVAL_MS / 2);
    c.offer({ step: 3 }, 'agent');
    time.advance(PROGRESS_INTERVAL_MS);
    expect(published.map((m) => [m.values['step'], m.ts])).toEqual([
      [1, 1_700_000_000_000],
      [2, 1_699_996_400_000],
      [3, 1_699_996_400_000],
    ]);
    c.close();
  });

  it('by default paces on performance.now, not Date.now', () => {
    const realDateNow = Date.now;
    const realPerfNow = performance.now.bind(performance);
    let wall = realDateNow();
    let mono = realPerfNow();
    Date.now = () => wall;
    performance.now = () => mono;
    const timers: Array<() => void> = [];
    try {
      const published: ProgressMessage[] = [];
      const c = new ProgressCoalescer({ publish: (m) => published.push(m), setTimer: (fn) => timers.push(fn) });
      c.offer({ step: 1 }, 'http');
      wall -= 3_600_000;
      mono += PROGRESS_INTERVAL_MS + 1;
      c.offer({ step: 2 }, 'http'); // one interval later by the monotonic clock: out at once
      expect(published.map((m) => m.values['step'])).toEqual([1, 2]);
      expect(timers).toHaveLength(0);
      expect(published[1]!.ts).toBe(wall);
      c.close();
    } finally {
      Date.now = realDateNow;
      performance.now = realPerfNow;
    }
  });
});

describe('progress floods on a real server', () => {
  it('a burst over WebSocket and over POST /api/progress reaches viewers coalesced, ending with the latest values', async () => {
    const serving = await serve(testServeOptions({ control: { mode: 'open' } }));
    const base = serving.server.url;
    const wsUrl = base.replace(/^http/, 'ws') + 'ws';
    try {
      const viewer = new TestClient(wsUrl);
      const agent = new TestClient(wsUrl);
      await Promise.all([viewer.opened(), agent.opened()]);
      for (let i = 0; i < 300; i++) agent.send({ type: 'progress', id: i, values: { step: i } });
      await agent.waitFor((m) => m.type === 'ack' && m['id'] === 299, 15_000);
      await viewer.waitFor((m) => m.type === 'progress' && (m['values'] as { step: number }).step === 299, 15_000);
      const overWs = viewer.of('progress').length;
      expect(overWs).toBeLessThanOrEqual(10);

      for (let i = 0; i < 50; i++) {
        const res = await fetch(`${base}api/progress`, { method: 'POST', body: JSON.stringify({ loss: i }) });
        expect(res.status).toBe(202);
      }
      const from = viewer.messages.length;
      await viewer.waitFor((m) => m.type === 'progress' && (m['values'] as { loss?: number }).loss === 49, 15_000);
      const overHttp = viewer.messages.slice(from).filter((m) => m.type === 'progress').length;
      expect(overHttp).toBeLessThanOrEqual(10);
      expect(await (await fetch(`${base}api/progress`)).json()).toMatchObject({ values: { loss: 49 } });
      viewer.ws.close();
      agent.ws.close();
    } finally {
      await serving.stop();
    }
  });
});
