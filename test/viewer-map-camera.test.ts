/** The Map view's camera and its spreading of agents on one cell (web/src/map-camera.ts), without a browser. */
import { describe, expect, it } from 'vitest';
import { FIT_MAX_SCALE, MapCamera, MAX_SCALE, spreadOffsets } from '../web/src/map-camera.js';

const kanto = { x: 0, y: 0, width: 436, height: 444 };

describe('map camera', () => {
  it('starts showing the whole layout, centred', () => {
    const c = new MapCamera(888, 888, kanto);
    expect(c.scale).toBe(2);
    expect(c.toCanvas(218, 222)).toEqual({ x: 444, y: 444 });
  });

  it('zooms about a point: the cell under it stays there; clamped between half the whole view and 64 px a cell', () => {
    const c = new MapCamera(888, 888, kanto);
    const under = c.toCell(100, 700);
    c.zoomAt(3, 100, 700);
    expect(c.scale).toBe(6);
    const after = c.toCanvas(under.gx, under.gy);
    expect(after.x).toBeCloseTo(100, 6);
    expect(after.y).toBeCloseTo(700, 6);
    c.zoomAt(1000, 0, 0);
    expect(c.scale).toBe(MAX_SCALE);
    c.zoomAt(1e-6, 0, 0);
    expect(c.scale).toBe(1);
  });

  it('pans by canvas pixels, and never loses the layout off-screen', () => {
    const c = new MapCamera(400, 400, kanto);
    c.zoomAt(10, 200, 200);
    const before = c.toCell(200, 200);
    c.pan(50, -20);
    const after = c.toCell(200, 200);
    expect(after.gx).toBeCloseTo(before.gx - 50 / c.scale, 6);
    expect(after.gy).toBeCloseTo(before.gy + 20 / c.scale, 6);
    c.pan(1e6, 1e6);
    const corner = c.toCanvas(kanto.width, kanto.height);
    expect(corner.x).toBeGreaterThanOrEqual(0.25 * 400 - 1e-6);
    expect(corner.y).toBeGreaterThanOrEqual(0.25 * 400 - 1e-6);
  });

  it('fits a rectangle with a margin, zooming in no further than asked', () => {
    const c = new MapCamera(800, 600, kanto);
    c.fit({ x: 64, y: 318, width: 20, height: 18 }, 1);
    expect(c.scale).toBeCloseTo(600 / 20, 6);
    const centre = c.toCanvas(74, 327);
    expect(centre.x).toBeCloseTo(400, 6);
    expect(centre.y).toBeCloseTo(300, 6);
    c.fit({ x: 70, y: 326, width: 1, height: 1 }, 6, FIT_MAX_SCALE);
    expect(c.scale).toBe(FIT_MAX_SCALE);
  });

  it('keeps the centre when the canvas is resized', () => {
    const c = new MapCamera(800, 600, kanto);
    c.zoomAt(4, 123, 456);
    const centre = c.toCell(400, 300);
    c.resize(1000, 500);
    const now = c.toCell(500, 250);
    expect(now.gx).toBeCloseTo(centre.gx, 6);
    expect(now.gy).toBeCloseTo(centre.gy, 6);
  });
});

describe('agents on one cell', () => {
  it('one sits in the middle; 2–8 around a circle, all apart; more share the middle (the view adds a count)', () => {
    expect(spreadOffsets(1, 8)).toEqual([{ dx: 0, dy: 0 }]);
    const two = spreadOffsets(2, 8);
    expect(two).toEqual([{ dx: 0, dy: -8 }, { dx: 0, dy: 8 }]);
    const eight = spreadOffsets(8, 8);
    expect(new Set(eight.map((o) => `${o.dx},${o.dy}`)).size).toBe(8);
    for (const o of eight) expect(Math.hypot(o.dx, o.dy)).toBeCloseTo(8, 0);
    expect(spreadOffsets(9, 8).every((o) => o.dx === 0 && o.dy === 0)).toBe(true);
  });
});
