import { describe, expect, it } from 'vitest';
import { dueRecords } from '../src/replay/player.js';
import type { IndexEntry } from '../src/record/index.js';

const frame = (ts: number): IndexEntry => ({ offset: ts, length: 1, type: 'frame', ts, env: 0, seq: ts, frame: ts });
const event = (ts: number): IndexEntry => ({ offset: ts, length: 1, type: 'event', ts });

describe('replay pacing', () => {
  const entries = [frame(0), frame(100), event(150), frame(200), frame(300)];

  it('sends what is due at recorded pace, scaled by speed', () => {
    expect(dueRecords(entries, 0, 1000, 1000, 0, 1)).toEqual({ send: [0], next: 1 });
    expect(dueRecords(entries, 1, 1099, 1000, 0, 1)).toEqual({ send: [], next: 1 });
    expect(dueRecords(entries, 1, 1100, 1000, 0, 1)).toEqual({ send: [1], next: 2 });
    // At 2× speed, ts 200 is due 100 ms after the anchor.
    expect(dueRecords(entries, 1, 1100, 1000, 0, 2)).toEqual({ send: [2, 3], next: 4 });
  });

  it('when behind, sends only the newest due frame but every event (latest frame wins)', () => {
    expect(dueRecords(entries, 0, 5000, 1000, 0, 1)).toEqual({ send: [2, 4], next: 5 });
  });
});
