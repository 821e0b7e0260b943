/**
 * The Map view's trail painter (web/src/map-paint.ts) sets exactly the pixels the plain line
 * routine (map-raster.ts line()) sets for each joined pair of points: its speed-ups (a pixel per
 * point worked out once, a colour premultiplied once a band, off-canvas trails skipped) must not
 * change a pixel, at any zoom, on or partly off the canvas.
 */
import { describe, expect, it } from 'vitest';
import { MapCamera } from '../web/src/map-camera.js';
import { MAX_STEP, paintTrail, TRAIL_BANDS } from '../web/src/map-paint.js';
import { dot, discOffsets, line, packColour, type Pixels } from '../web/src/map-raster.js';

const canvas = (w: number, h: number): Pixels => ({ width: w, height: h, data: new Uint32Array(w * h).fill(packColour('#203040')) });

/** The trail drawn segment by segment through line(), as the view drew it before. */
function reference(px: Pixels, c: MapCamera, t: number[], colour: number, opacity: number): void {
  const n = t.length / 2;
  const { scale: k, ox, oy } = c;
  for (let band = 0; band < TRAIL_BANDS; band++) {
    const alpha = Math.round(256 * opacity * ((band + 1) / TRAIL_BANDS));
    for (let i = Math.floor(((n - 1) * band) / TRAIL_BANDS); i < Math.floor(((n - 1) * (band + 1)) / TRAIL_BANDS); i++) {
      const [x0, y0, x1, y1] = [t[i * 2]!, t[i * 2 + 1]!, t[i * 2 + 2]!, t[i * 2 + 3]!];
      if (Math.abs(x1 - x0) > MAX_STEP || Math.abs(y1 - y0) > MAX_STEP) continue;
      line(px, (x0 + 0.5 - ox) * k, (y0 + 0.5 - oy) * k, (x1 + 0.5 - ox) * k, (y1 + 0.5 - oy) * k, colour, alpha, k >= 6 ? 2 : 1);
    }
  }
}

describe('map trails', () => {
  it('paints the same pixels as line() per segment, at every zoom, clipped, with warps left unjoined', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const trails = Array.from({ length: 60 }, () => {
      let [x, y] = [Math.floor(rnd() * 100), Math.floor(rnd() * 80)];
      return Array.from({ length: 64 }, () => {
        const step = Math.floor(rnd() * 6);
        [x, y] = step === 5 ? [x + 9, y] : [x + [1, -1, 0, 0, 0][step]!, y + [0, 0, 1, -1, 0][step]!];
        return [x, y];
      }).flat();
    });
    for (const [scale, at] of [[1, 0], [1.7, 0.3], [6, 0.5], [23, 0.2], [64, 0.7]] as const) {
      const camera = new MapCamera(160, 120, { x: 0, y: 0, width: 100, height: 80 });
      camera.zoomAt(scale / camera.scale, 160 * at, 120 * at);
      const [fast, slow] = [canvas(160, 120), canvas(160, 120)];
      trails.forEach((t, i) => {
        const colour = packColour(`#${(0x123456 * (i + 1)).toString(16).slice(-6).padStart(6, '0')}`);
        paintTrail(fast, camera, t, colour, i % 3 ? 0.8 : 0.3);
        reference(slow, camera, t, colour, i % 3 ? 0.8 : 0.3);
      });
      expect(slow.data.some((p) => p !== packColour('#203040'))).toBe(true);
      expect(fast.data).toEqual(slow.data);
    }
  });

  it('a faded dot blends its rim and its colour over what is under it', () => {
    const p: Pixels = { width: 16, height: 16, data: new Uint32Array(256).fill(0xff000000) };
    dot(p, 8, 8, discOffsets(5), discOffsets(4), packColour('#ffffff'), 128);
    expect(p.data[8 * 16 + 8]! & 0xff).toBe(127);
    expect(p.data[8 * 16 + 13]).toBe(0xff000000);
  });
});
