/**
 * The Map view's trails and heatmap as pixels (map-raster.ts) through the camera: pure, so the
 * view (map-view.ts) only decides what to paint and when.
 */
import type { MapCamera } from './map-camera.js';
import { fillRect, type Pixels } from './map-raster.js';

/** Points further apart than this are a warp (a door, a fly), not a walk: not joined by a line. */
export const MAX_STEP = 3;
/** Trail segments are drawn in this many alpha steps, oldest faintest. */
export const TRAIL_BANDS = 4;

/** Each point's canvas pixel, reused across agents (grown on demand): no allocation per draw. */
let px0 = new Int32Array(256);
let py0 = new Int32Array(256);

/**
 * One agent's trail (flattened global points, oldest first), newest band at `opacity`: the same
 * pixels as `line()` for every joined pair, but each point is turned into a pixel once (not twice),
 * the colour is premultiplied once a band, a trail wholly off the canvas is skipped at once, and
 * segments that are off-canvas or one pixel long cost a comparison. 2,000 agents' trails are
 * ~126,000 segments a redraw, mostly 1–4 pixels long, so the per-segment cost is what counts.
 */
export function paintTrail(px: Pixels, camera: MapCamera, t: readonly number[], colour: number, opacity: number): void {
  const n = t.length >> 1;
  if (n < 2) return;
  const thick = camera.scale >= 6;
  const { scale: k, ox, oy } = camera;
  const { width: w, height: h, data } = px;
  if (px0.length < n) {
    px0 = new Int32Array(n * 2);
    py0 = new Int32Array(n * 2);
  }
  const X = px0;
  const Y = py0;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    // The same expression line() was given, rounded as it rounds.
    const x = Math.round((t[i * 2]! + 0.5 - ox) * k);
    const y = Math.round((t[i * 2 + 1]! + 0.5 - oy) * k);
    X[i] = x;
    Y[i] = y;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  // Every pixel a segment sets lies between its ends, so a trail outside the canvas sets none.
  if (maxX < 0 || maxY < 0 || minX >= w || minY >= h) return;
  for (let band = 0; band < TRAIL_BANDS; band++) {
    const from = Math.floor(((n - 1) * band) / TRAIL_BANDS);
    const to = Math.floor(((n - 1) * (band + 1)) / TRAIL_BANDS);
    const alpha = Math.min(256, Math.round(256 * opacity * ((band + 1) / TRAIL_BANDS)));
    const inv = 256 - alpha;
    const r = (colour & 0xff) * alpha;
    const g = ((colour >> 8) & 0xff) * alpha;
    const b = ((colour >> 16) & 0xff) * alpha;
    for (let i = from; i < to; i++) {
      const cx = t[i * 2]!;
      const cy = t[i * 2 + 1]!;
      const dxc = t[i * 2 + 2]! - cx;
      const dyc = t[i * 2 + 3]! - cy;
      if (dxc > MAX_STEP || dxc < -MAX_STEP || dyc > MAX_STEP || dyc < -MAX_STEP) continue;
      let x = X[i]!;
      let y = Y[i]!;
      const xe = X[i + 1]!;
      const ye = Y[i + 1]!;
      if ((x === xe && y === ye) || (x < 0 && xe < 0) || (y < 0 && ye < 0) || (x >= w && xe >= w) || (y >= h && ye >= h)) continue;
      // Bresenham, end pixel left out, exactly as line() draws it.
      const dx = xe > x ? xe - x : x - xe;
      const dy = ye > y ? y - ye : ye - y;
      const sx = x < xe ? 1 : -1;
      const sy = y < ye ? 1 : -1;
      let err = dx + dy;
      for (let m = 0; m < 4096 && (x !== xe || y !== ye); m++) {
        if (x >= 0 && y >= 0 && x < w && y < h) {
          const p = y * w + x;
          let q = data[p]!;
          data[p] = (0xff000000 | ((((b + ((q >> 16) & 0xff) * inv) >> 8) & 0xff) << 16) | ((((g + ((q >> 8) & 0xff) * inv) >> 8) & 0xff) << 8) | (((r + (q & 0xff) * inv) >> 8) & 0xff)) >>> 0;
          if (thick) {
            if (x + 1 < w) {
              q = data[p + 1]!;
              data[p + 1] = (0xff000000 | ((((b + ((q >> 16) & 0xff) * inv) >> 8) & 0xff) << 16) | ((((g + ((q >> 8) & 0xff) * inv) >> 8) & 0xff) << 8) | (((r + (q & 0xff) * inv) >> 8) & 0xff)) >>> 0;
            }
            if (y + 1 < h) {
              q = data[p + w]!;
              data[p + w] = (0xff000000 | ((((b + ((q >> 16) & 0xff) * inv) >> 8) & 0xff) << 16) | ((((g + ((q >> 8) & 0xff) * inv) >> 8) & 0xff) << 8) | (((r + (q & 0xff) * inv) >> 8) & 0xff)) >>> 0;
            }
          }
        }
        const e2 = 2 * err;
        if (e2 >= dy) {
          err += dy;
          x += sx;
        }
        if (e2 <= dx) {
          err += dx;
          y += sy;
        }
      }
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
