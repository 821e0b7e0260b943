import { describe, expect, it } from 'vitest';
import { demandChanged, demandFor, subscriberFps, type Subscription } from '../src/hub/demand.js';
import { DEFAULT_THUMB_FPS } from '../src/protocol/constants.js';

const sub = (s: Partial<Subscription>): Subscription => ({ envs: undefined, maxFps: undefined, ...s });
const envs = [10, 11, 12, 13];

describe('demand: who wants which env at what fps', () => {
  it('nobody watching and no recorder: state only (0) for every env', () => {
    expect(demandFor(envs, { streamFps: 10, subscribers: [], recording: false })).toEqual([0, 0, 0, 0]);
  });

  it('a client that never subscribed wants every env at the stream fps', () => {
    expect(demandFor(envs, { streamFps: 10, subscribers: [sub({})], recording: false })).toEqual([10, 10, 10, 10]);
  });

  it('a focused env at full fps, thumbnails at their rate (default 2), the rest nothing', () => {
    const viewer = sub({ envs: new Set([11]), thumbs: new Set([10, 11, 12]) });
    expect(demandFor(envs, { streamFps: 10, subscribers: [viewer], recording: false })).toEqual([DEFAULT_THUMB_FPS, 10, DEFAULT_THUMB_FPS, 0]);
    const slowThumbs = sub({ envs: new Set([11]), maxFps: 5, thumbs: new Set([12]), thumbFps: 1 });
    expect(demandFor(envs, { streamFps: 10, subscribers: [slowThumbs], recording: false })).toEqual([0, 5, 1, 0]);
  });

  it('the highest wish wins across clients, never above the stream fps', () => {
    const a = sub({ envs: new Set([10]), maxFps: 3 });
    const b = sub({ envs: new Set([10, 13]), maxFps: 60 });
    expect(demandFor(envs, { streamFps: 10, subscribers: [a, b], recording: false })).toEqual([10, 0, 0, 10]);
    expect(subscriberFps(sub({ envs: new Set([1]), thumbs: new Set([2]), thumbFps: 30 }), 2, 10)).toBe(10);
  });

  it('the recorder wants everything; an MJPEG reader wants its env', () => {
    expect(demandFor(envs, { streamFps: 12, subscribers: [], recording: true })).toEqual([12, 12, 12, 12]);
    expect(demandFor(envs, { streamFps: 12, subscribers: [], recording: false, streamed: new Set([12]) })).toEqual([0, 0, 12, 0]);
  });

  it('a demand record is due only when something changed', () => {
    expect(demandChanged(undefined, [0])).toBe(true);
    expect(demandChanged([0, 2], [0, 2])).toBe(false);
    expect(demandChanged([0, 2], [0, 10])).toBe(true);
    expect(demandChanged([0], [0, 0])).toBe(true);
  });
});
