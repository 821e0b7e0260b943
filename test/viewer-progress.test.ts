import { describe, expect, it } from 'vitest';
import { etaSeconds, formatDuration, formatValue, MAX_KEYS, ProgressTracker, stepsPerSecond } from '../web/src/progress.js';
import { sparklineRange } from '../web/src/sparkline.js';
import { Series } from '../web/src/stats-window.js';

describe('steps/s and ETA', () => {
  it('measures steps/s from the first to the last sample', () => {
    expect(stepsPerSecond([{ ts: 0, step: 100 }, { ts: 500, step: 150 }, { ts: 2000, step: 300 }])).toBe(100);
  });

  it('has no rate without two samples at different times', () => {
    expect(stepsPerSecond([])).toBeUndefined();
    expect(stepsPerSecond([{ ts: 5, step: 1 }])).toBeUndefined();
    expect(stepsPerSecond([{ ts: 5, step: 1 }, { ts: 5, step: 9 }])).toBeUndefined();
  });

  it('ETA is the remaining steps over the rate; 0 when done; unknown without progress', () => {
    expect(etaSeconds(100, 1000, 100)).toBe(9);
    expect(etaSeconds(1000, 1000, 100)).toBe(0);
    expect(etaSeconds(1200, 1000, undefined)).toBe(0);
    expect(etaSeconds(100, 1000, 0)).toBeUndefined();
    expect(etaSeconds(100, 1000, -5)).toBeUndefined();
    expect(etaSeconds(100, 1000, undefined)).toBeUndefined();
  });

  it('formats durations and values for narrow cells', () => {
    expect(formatDuration(9)).toBe('9 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(7620)).toBe('2 h 07 min');
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 5)).toBe('3 d 4 h');
    expect(formatValue(1200)).toBe('1200');
    expect(formatValue(0.123456)).toBe('0.1235');
    expect(formatValue(-2.5)).toBe('-2.5');
    expect(formatValue(0.00001234)).toBe('1.23e-5');
  });
});

describe('ProgressTracker', () => {
  it('keeps the latest value and a history per key, and gives steps/s and an ETA', () => {
    const t = new ProgressTracker();
    t.add({ episode: 1, step: 100, total: 1000, reward: 0.5 }, 10_000);
    expect(t.stepRate).toBeUndefined();
    expect(t.eta).toBeUndefined();
    t.add({ episode: 1, step: 300, total: 1000, reward: -0.25 }, 12_000);
    expect(t.keys.map((k) => k.name)).toEqual(['episode', 'step', 'total', 'reward']);
    expect(t.keys.find((k) => k.name === 'reward')!.latest).toBe(-0.25);
    expect(t.keys.find((k) => k.name === 'reward')!.series.values).toEqual([0.5, -0.25]);
    expect(t.stepRate).toBe(100);
    expect(t.eta).toBe(7);
    expect(t.updates).toBe(2);
  });

  it('reads total_steps as the total too', () => {
    const t = new ProgressTracker();
    t.add({ step: 0, total_steps: 50 }, 0);
    t.add({ step: 10, total_steps: 50 }, 1000);
    expect(t.total).toBe(50);
    expect(t.eta).toBe(4);
  });

  it('measures the rate over the last 30 s only', () => {
    const t = new ProgressTracker();
    t.add({ step: 0 }, 0); // slow start: 10 steps/s
    t.add({ step: 100 }, 10_000);
    for (let s = 1; s <= 40; s++) t.add({ step: 100 + s * 1000 }, 10_000 + s * 1000); // then 1000 steps/s
    expect(t.stepRate).toBeCloseTo(1000, 6);
  });

  it('starts the rate afresh when step goes back (a new run)', () => {
    const t = new ProgressTracker();
    t.add({ step: 5000 }, 0);
    t.add({ step: 6000 }, 1000);
    t.add({ step: 10 }, 2000);
    expect(t.stepRate).toBeUndefined();
    t.add({ step: 60 }, 2500);
    expect(t.stepRate).toBe(100);
  });

  it('charts at most MAX_KEYS keys and counts the others, but still tracks step and total', () => {
    const t = new ProgressTracker();
    const values: Record<string, number> = {};
    for (let i = 0; i < MAX_KEYS + 3; i++) values[`k${i}`] = i;
    t.add({ ...values, step: 1, total: 11 }, 0);
    t.add({ step: 6 }, 1000);
    expect(t.keys).toHaveLength(MAX_KEYS);
    expect(t.ignoredKeys).toBe(5);
    expect(t.eta).toBe(1);
  });

  it('ignores values that are not finite numbers', () => {
    const t = new ProgressTracker();
    t.add({ reward: Number.NaN, name: 'x', loss: Infinity, ok: 1 }, 0);
    expect(t.keys.map((k) => k.name)).toEqual(['ok']);
  });
});

describe('sparkline range', () => {
  const series = (...v: number[]) => {
    const s = new Series(10);
    for (const x of v) s.push(x);
    return s;
  };

  it('runs from 0 for rates, and spans the values (negative too) for training numbers', () => {
    expect(sparklineRange(series(3, 5))).toEqual({ lo: 0, hi: 5 });
    expect(sparklineRange(series(0.2, 0.4))).toEqual({ lo: 0, hi: 1 });
    expect(sparklineRange(series(-3, -1), false)).toEqual({ lo: -3, hi: -1 });
    expect(series(-3, -1).range()).toEqual({ min: -3, max: -1 });
  });

  it('never divides by zero on a flat series', () => {
    const r = sparklineRange(series(2, 2), false);
    expect(r.hi).toBeGreaterThan(r.lo);
    const z = sparklineRange(series(0, 0), false);
    expect(z).toEqual({ lo: -1, hi: 1 });
  });
});
