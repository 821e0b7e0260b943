import { describe, expect, it } from 'vitest';
import { Pacer } from '../src/emulator/pacer.js';
import { GB_FRAME_RATE } from '../src/emulator/emulator.js';
import { Sampler } from '../src/sampler/sampler.js';

/** Feeds the sampler one call per emulated frame at `emuFps`, for `seconds` of injected time. */
function publishedPerSecond(fps: number, emuFps: number, seconds = 10): number {
  let now = 0;
  const sampler = new Sampler(fps, () => now);
  let published = 0;
  for (let i = 0; i < emuFps * seconds; i++) {
    now = (i * 1000) / emuFps;
    if (sampler.shouldPublish()) published++;
  }
  return published / seconds;
}

describe('Sampler publishes at fps of wall time whatever the emulation speed', () => {
  it.each([
    [10, GB_FRAME_RATE],
    [10, 300],
    [10, 5000],
    [30, 300],
    [1, GB_FRAME_RATE],
  ])('fps %d with the emulator at %d frames/s', (fps, emuFps) => {
    expect(publishedPerSecond(fps, emuFps)).toBeCloseTo(fps, 0);
  });

  it('publishes every frame when the emulator is slower than fps, without bursting after a stall', () => {
    let now = 0;
    const sampler = new Sampler(10, () => now);
    expect(sampler.shouldPublish()).toBe(true);
    now = 5000; // a 5 s stall
    expect(sampler.shouldPublish()).toBe(true);
    now = 5001;
    expect(sampler.shouldPublish()).toBe(false);
    now = 5100;
    expect(sampler.shouldPublish()).toBe(true);
  });

  it('publishes the first frame at once', () => {
    const sampler = new Sampler(10, () => 123);
    expect(sampler.shouldPublish()).toBe(true);
    expect(sampler.shouldPublish()).toBe(false);
  });

  it('refuses a non-positive fps', () => {
    expect(() => new Sampler(0)).toThrow(/got 0/);
  });
});

describe('Pacer', () => {
  it('schedules 59.73 frames per wall second at speed 1 and N× at speed N', () => {
    for (const speed of [1, 2, 0.5]) {
      const pacer = new Pacer(speed, 0);
      let ran = 0;
      for (let t = 0; t <= 10_000; t += 4) {
        const n = pacer.due(t);
        pacer.ran(n);
        ran += n;
      }
      expect(ran / 10).toBeCloseTo(GB_FRAME_RATE * speed, 0);
    }
  });

  it('drops a long backlog instead of spiralling', () => {
    const pacer = new Pacer(1, 0);
    pacer.ran(pacer.due(100));
    expect(pacer.due(60_000)).toBeLessThan(5);
  });

  it('says how long until the next frame', () => {
    const pacer = new Pacer(1, 0);
    pacer.ran(pacer.due(0));
    expect(pacer.msUntilNext(0)).toBeCloseTo(1000 / GB_FRAME_RATE, 3);
  });
});
