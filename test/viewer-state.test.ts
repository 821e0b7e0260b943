/** The viewer's page state (web/src/viewer-state.ts): pings, ids, meters, frames per env. */
import { describe, expect, it } from 'vitest';
import { MAX_PENDING_PINGS, ViewerState } from '../web/src/viewer-state.js';

describe('ViewerState', () => {
  it('matches a pong to its ping once, and forgets the oldest of too many pending pings', () => {
    const v = new ViewerState();
    const first = v.nextPing(1000);
    const ids = Array.from({ length: MAX_PENDING_PINGS }, (_, i) => v.nextPing(2000 + i));
    expect(v.pong(first)).toBeUndefined(); // pushed out by the 21st
    expect(v.pong(ids[0]!)).toBe(2000);
    expect(v.pong(ids[0]!)).toBeUndefined(); // once
    expect(v.pong(999)).toBeUndefined();
  });

  it('gives increasing command ids and restarts the focused env’s meters', () => {
    const v = new ViewerState();
    expect(v.nextCommandId()).toBeLessThan(v.nextCommandId());
    v.latency.add(50);
    v.fps.add(0);
    v.resetMeters();
    expect(v.latency.value).toBeUndefined();
    expect(v.fps.rate(0)).toBe(0);
  });

  it('drops the frames of envs that no longer exist', () => {
    const v = new ViewerState();
    for (const env of [0, 1, 2]) v.latestFrame.set(env, { data: new Uint8Array(1), width: 1, height: 1 });
    v.keepFramesOf((env) => env < 2);
    expect([...v.latestFrame.keys()]).toEqual([0, 1]);
  });
});
