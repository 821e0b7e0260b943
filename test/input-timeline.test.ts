/** An input-log replay's timeline (episodes one after another) and its clock: pure, no timers. */
import { describe, expect, it } from 'vitest';
import type { Episode } from '../src/record/inputs/input-log-index.js';
import { locate, msOfPosition, positionOf, positionOfMs, timelineOf } from '../src/replay/input-timeline.js';
import { PlaybackClock } from '../src/replay/playback-clock.js';

const episode = (index: number, startFrame: number, endFrame: number): Episode => ({
  env: 3, index, reason: index === 0 ? 'start' : 'reset', core: 'serverboy', rom: 'x', sound: false, startFrame, state: new Uint8Array(), endFrame, runFrom: [], runMask: [], runCount: [], checkpoints: [], marked: false,
});

// Frames 1–10, an empty episode, frames 1–5 after a reset, frames 501–520 after a load.
const t = timelineOf(3, [episode(0, 0, 10), episode(1, 0, 0), episode(2, 0, 5), episode(3, 500, 520)]);

describe('input timeline', () => {
  it('places episodes one after another and skips an empty one', () => {
    expect(t.total).toBe(35);
    expect(t.offsets).toEqual([0, 10, 10, 15]);
    expect(locate(t, 0)).toMatchObject({ frame: 1, position: 0, episode: { index: 0 } });
    expect(locate(t, 9)).toMatchObject({ frame: 10, episode: { index: 0 } });
    expect(locate(t, 10)).toMatchObject({ frame: 1, episode: { index: 2 } });
    expect(locate(t, 15)).toMatchObject({ frame: 501, episode: { index: 3 } });
    expect(locate(t, 1000)).toMatchObject({ frame: 520, position: 34 });
    expect(locate(timelineOf(0, []), 0)).toBeUndefined();
  });

  it('finds the position of a frame: in the episode named, the current one, or the first that holds it', () => {
    expect(positionOf(t, 3, 2)).toBe(12);
    expect(positionOf(t, 3)).toBe(2);
    expect(positionOf(t, 3, undefined, t.episodes[2])).toBe(12);
    expect(positionOf(t, 510)).toBe(24);
    expect(() => positionOf(t, 6, 2)).toThrow(/episode 2 of env 3 holds frames 1–5, not 6/);
    expect(() => positionOf(t, 300)).toThrow(/env 3 has no frame 300; its episodes hold 1–10, 1–5, 501–520/);
    expect(() => positionOf(t, 1, 9)).toThrow(/env 3 has episodes 0–3, not 9/);
  });

  it('converts positions to recorded ms and back exactly', () => {
    for (const p of [0, 1, 59, 60, 12345, 3_600_000]) expect(positionOfMs(msOfPosition(p))).toBe(p);
  });
});

describe('playback clock', () => {
  it('runs from 0 when resumed, scales by speed, pauses, seeks and stops at the end', () => {
    let now = 1000;
    const c = new PlaybackClock(5000, 1, () => now);
    expect([c.paused, c.positionMs()]).toEqual([true, 0]);
    c.resume();
    now += 400;
    expect(c.positionMs()).toBe(400);
    c.setSpeed(2);
    now += 100;
    expect(c.positionMs()).toBe(600);
    c.pause();
    now += 1000;
    expect(c.positionMs()).toBe(600);
    c.seek(4900);
    c.resume();
    now += 100;
    expect(c.ended()).toBe(true);
    c.pause();
    expect(c.positionMs()).toBe(5000);
    c.resume(); // at the end: from the start
    expect(c.positionMs()).toBe(0);
    c.seek(-5);
    expect(c.positionMs()).toBe(0);
  });
});
