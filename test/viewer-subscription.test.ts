import { describe, expect, it } from 'vitest';
import { SUBSCRIBE_MIN_GAP_MS, SubscriptionPlanner, THUMB_FPS } from '../web/src/subscription.js';

function planner() {
  let now = 0;
  const sent: Array<Record<string, unknown>> = [];
  const timers: Array<{ at: number; fn: () => void }> = [];
  const p = new SubscriptionPlanner((m) => sent.push(m), () => now, (fn, ms) => timers.push({ at: now + ms, fn }));
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.splice(0)) if (t.at <= now) t.fn();
      else timers.push(t);
  };
  return { p, sent, advance };
}

describe('the viewer’s subscription: sent on change, at most every 250 ms', () => {
  it('sends the focused env, the visible thumbnails at the thumbnail rate, and asks for states', () => {
    const { p, sent } = planner();
    p.want({ envs: [3], thumbs: [0, 1, 2], states: true });
    expect(sent).toEqual([{ type: 'subscribe', id: 5001, envs: [3], thumbs: [0, 1, 2], thumbFps: THUMB_FPS, states: true }]);
  });

  it('coalesces a burst (scrolling) into one message with the latest wish', () => {
    const { p, sent, advance } = planner();
    p.want({ envs: [0], thumbs: [1], states: true });
    advance(10);
    p.want({ envs: [0], thumbs: [1, 2], states: true });
    p.want({ envs: [0], thumbs: [5, 6], states: true });
    expect(sent).toHaveLength(1);
    advance(SUBSCRIBE_MIN_GAP_MS);
    expect(sent).toHaveLength(2);
    expect(sent[1]!['thumbs']).toEqual([5, 6]);
  });

  it('does not repeat an unchanged subscription, but does after a reconnect', () => {
    const { p, sent, advance } = planner();
    const w = { envs: [0], thumbs: [1], states: true };
    p.want(w);
    advance(1000);
    p.want({ ...w });
    expect(sent).toHaveLength(1);
    p.reset();
    advance(1000);
    p.want({ ...w });
    expect(sent).toHaveLength(2);
  });
});
