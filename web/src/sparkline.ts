/** A tiny line chart of a Series on a canvas (last minute of fps or latency, a training value). */
import type { Series } from './stats-window.js';

export interface SparklineOptions {
  /**
   * true (default): the axis runs from 0 (rates, latency: a drop to 0 should look like one).
   * false: it spans the values' own range (reward, loss: small changes around any level).
   */
  fromZero?: boolean;
  /** Spread the values over the full width instead of filling it up to the series' capacity. */
  stretch?: boolean;
}

/** The value range drawn: [lo, hi] with hi > lo always. */
export function sparklineRange(series: Series, fromZero = true): { lo: number; hi: number } {
  const r = series.range() ?? { min: 0, max: 0 };
  let lo = fromZero ? Math.min(0, r.min) : r.min;
  let hi = fromZero ? Math.max(r.max, 1) : r.max;
  if (hi - lo < 1e-12) {
    // A flat series is drawn as a line through the middle.
    const pad = Math.abs(hi) > 1e-12 ? Math.abs(hi) * 0.5 : 1;
    lo -= pad;
    hi += pad;
  }
  return { lo, hi };
}

export function drawSparkline(canvas: HTMLCanvasElement, series: Series, color: string, options: SparklineOptions = {}): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const values = series.values;
  if (values.length < 2) return;
  const { lo, hi } = sparklineRange(series, options.fromZero ?? true);
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  const span = (options.stretch ? values.length : series.length) - 1;
  ctx.beginPath();
  values.forEach((v, i) => {
    const x = (i / span) * width;
    const y = height - 1 - ((v - lo) / (hi - lo)) * (height - 2);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
}
