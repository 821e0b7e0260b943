/**
 * The Map view's trails and heatmap as pixels (map-raster.ts) through the camera: pure, so the
 * view (map-view.ts) only decides what to paint and when.
 */
import type { MapCamera } from './map-camera.js';
import { fillRect, line, type Pixels } from './map-raster.js';

/** Points further apart than this are a warp (a door, a fly), not a walk: not joined by a line. */
export const MAX_STEP = 3;
/** Trail segments are drawn in this many alpha steps, oldest faintest. */
export const TRAIL_BANDS = 4;

/** One agent's trail (flattened global points, oldest first), newest band at `opacity`. */
export function paintTrail(px: Pixels, camera: MapCamera, t: readonly number[], colour: number, opacity: number): void {
  const n = t.length / 2;
  if (n < 2) return;
  const thick = camera.scale >= 6 ? 2 : 1;
  // Inline camera math, no arrays or points allocated: this loop runs ~130,000 times for 2,000 agents.
  const { scale: k, ox, oy } = camera;
  for (let band = 0; band < TRAIL_BANDS; band++) {
    const from = Math.floor(((n - 1) * band) / TRAIL_BANDS);
    const to = Math.floor(((n - 1) * (band + 1)) / TRAIL_BANDS);
    const alpha = Math.round(256 * opacity * ((band + 1) / TRAIL_BANDS));
    for (let i = from; i < to; i++) {
      const x0 = t[i * 2]!;
      const y0 = t[i * 2 + 1]!;
      const x1 = t[i * 2 + 2]!;
      const y1 = t[i * 2 + 3]!;
      if (Math.abs(x1 - x0) > MAX_STEP || Math.abs(y1 - y0) > MAX_STEP) continue;
      line(px, (x0 + 0.5 - ox) * k, (y0 + 0.5 - oy) * k, (x1 + 0.5 - ox) * k, (y1 + 0.5 - oy) * k, colour, alpha, thick);
    }
  }
}

/** Visited cells (by gy × width + gx) in view, yellow (few visits) to red (many), log scale. */
export function paintHeat(px: Pixels, camera: MapCamera, visits: ReadonlyMap<number, number>, maxVisits: number, width: number): void {
  const top = Math.log1p(maxVisits || 1);
  const s = camera.scale;
  for (const [cell, n] of visits) {
    const p = camera.toCanvas(cell % width, Math.floor(cell / width));
    if (p.x + s < 0 || p.y + s < 0 || p.x > px.width || p.y > px.height) continue;
    const v = Math.log1p(n) / top; // 0–1
    const colour = (0xff000000 | (Math.round(220 * (1 - v)) << 8) | 0xff) >>> 0;
    fillRect(px, p.x, p.y, Math.max(p.x + s, p.x + 1), Math.max(p.y + s, p.y + 1), colour, Math.round(90 + 140 * v));
  }
}
