/** A tiny line chart of a Series on a canvas (last minute of fps or latency). */
import type { Series } from './stats-window.js';

export function drawSparkline(canvas: HTMLCanvasElement, series: Series, color: string): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const values = series.values;
  if (values.length < 2) return;
  const max = Math.max(series.max(), 1);
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  values.forEach((v, i) => {
    const x = (i / (series.length - 1)) * width;
    const y = height - 1 - (v / max) * (height - 2);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
}
