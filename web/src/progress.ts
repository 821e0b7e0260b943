/**
 * Training progress from `progress` records: the latest value and a short history of each key,
 * steps/s from the change of `step` over time, and an ETA when a total is known. Pure: times are
 * the records' `ts` (server clock), so every viewer computes the same numbers, and Node tests
 * drive it without a clock.
 */
import { Series } from './stats-window.js';

/** At most this many keys get a row and a chart; the rest are counted, not drawn. */
export const MAX_KEYS = 12;
/** Updates kept per chart. */
export const HISTORY = 120;
/** Steps/s is measured over the samples of the last RATE_WINDOW_MS. */
export const RATE_WINDOW_MS = 30_000;
/** Keys read as "total steps", in order of preference. */
export const TOTAL_KEYS = ['total', 'total_steps'] as const;

export interface StepSample {
  ts: number;
  step: number;
}

/**
 * Steps per second over the samples (oldest → newest), or undefined without two samples at
 * different times. Uses the first and last sample: the mean rate over the window, which is what
 * an ETA needs (an instantaneous rate jumps with every batch boundary).
 */
export function stepsPerSecond(samples: readonly StepSample[]): number | undefined {
  if (samples.length < 2) return undefined;
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const dt = last.ts - first.ts;
  if (dt <= 0) return undefined;
  return ((last.step - first.step) * 1000) / dt;
}

/** Seconds until `step` reaches `total` at `rate` steps/s: 0 when done, undefined when unknowable. */
export function etaSeconds(step: number, total: number, rate: number | undefined): number | undefined {
  if (step >= total) return 0;
  if (rate === undefined || !(rate > 0)) return undefined;
  return (total - step) / rate;
}

/** "42 s", "3 min 05 s", "2 h 07 min", "3 d 4 h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** A number for a narrow table cell: integers as is, others to 4 significant digits. */
export function formatValue(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e12) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

export interface ProgressKey {
  name: string;
  latest: number;
  series: Series;
}

export class ProgressTracker {
  readonly #keys = new Map<string, ProgressKey>();
  readonly #ignored = new Set<string>();
  #steps: StepSample[] = [];
  #totals = new Map<string, number>();
  #lastTs = 0;
  updates = 0;

  /** Takes one `progress` record's values, stamped `ts` (ms, server clock). */
  add(values: Record<string, unknown>, ts: number): void {
    this.updates++;
    this.#lastTs = ts;
    for (const [name, v] of Object.entries(values)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      let key = this.#keys.get(name);
      if (!key) {
        if (this.#keys.size >= MAX_KEYS) {
          this.#ignored.add(name);
          continue;
        }
        key = { name, latest: v, series: new Series(HISTORY) };
        this.#keys.set(name, key);
      }
      key.latest = v;
      key.series.push(v);
    }
    for (const name of TOTAL_KEYS) {
      const t = values[name];
      if (typeof t === 'number' && Number.isFinite(t)) this.#totals.set(name, t);
    }
    const step = values['step'];
    if (typeof step === 'number' && Number.isFinite(step)) {
      const last = this.#steps[this.#steps.length - 1];
      // A step that goes back means a new run: its rate has nothing to do with the old one's.
      if (last && step < last.step) this.#steps = [];
      this.#steps.push({ ts, step });
      const from = ts - RATE_WINDOW_MS;
      // Keep one sample at or before the window start so the window is always fully covered.
      while (this.#steps.length > 2 && this.#steps[1]!.ts <= from) this.#steps.shift();
    }
  }

  /** Keys in the order first seen (at most MAX_KEYS). */
  get keys(): ProgressKey[] {
    return [...this.#keys.values()];
  }

  /** How many further keys arrived and are not shown. */
  get ignoredKeys(): number {
    return this.#ignored.size;
  }

  get lastTs(): number {
    return this.#lastTs;
  }

  get stepRate(): number | undefined {
    return stepsPerSecond(this.#steps);
  }

  /** The total from `total` or `total_steps`, when published. */
  get total(): number | undefined {
    for (const name of TOTAL_KEYS) {
      const t = this.#totals.get(name);
      if (t !== undefined) return t;
    }
    return undefined;
  }

  /** ETA in seconds when `step` and a total are known and steps advance; 0 when done. */
  /** The latest `step`, counted even when the key cap hides its chart. */
  get step(): number | undefined {
    return this.#steps[this.#steps.length - 1]?.step;
  }

  get eta(): number | undefined {
    const step = this.step;
    const total = this.total;
    if (step === undefined || total === undefined) return undefined;
    return etaSeconds(step, total, this.stepRate);
  }
}
