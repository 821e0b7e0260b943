/**
 * The Map view's camera: which part of the layout's canvas the map canvas shows, as a scale
 * (canvas pixels per layout cell) and the cell at the canvas's top-left corner. Pure: no DOM, so
 * zoom about the cursor, pan, "fit these cells" and "follow this cell" are unit-tested alone.
 */

/** A rectangle of layout cells. */
export interface CellRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** 64 canvas pixels a cell is 4× the game's own size (16 px a step): enough to read a tile. */
export const MAX_SCALE = 64;
/** Fitting agents never zooms in past this (one agent alone would otherwise fill the view). */
export const FIT_MAX_SCALE = 16;

export class MapCamera {
  /** Canvas pixels per layout cell. */
  scale = 1;
  /** The layout cell at canvas pixel (0, 0) (fractional). */
  ox = 0;
  oy = 0;
  viewWidth: number;
  viewHeight: number;
  /** The whole layout, which limits zooming out and panning away. */
  world: CellRect;

  constructor(viewWidth: number, viewHeight: number, world: CellRect) {
    this.viewWidth = viewWidth;
    this.viewHeight = viewHeight;
    this.world = world;
    this.fit(world);
  }

  /** Zooming out stops at half the scale that shows the whole layout. */
  get minScale(): number {
    return 0.5 * Math.min(this.viewWidth / this.world.width, this.viewHeight / this.world.height);
  }

  resize(viewWidth: number, viewHeight: number): void {
    const [cx, cy] = [this.ox + this.viewWidth / 2 / this.scale, this.oy + this.viewHeight / 2 / this.scale];
    this.viewWidth = viewWidth;
    this.viewHeight = viewHeight;
    this.scale = Math.max(this.scale, this.minScale);
    this.centerOn(cx, cy);
  }

  /** Shows `rect` whole and centred, with `margin` cells around it, zoomed in at most `maxScale`. */
  fit(rect: CellRect, margin = 0, maxScale = MAX_SCALE): void {
    const w = rect.width + 2 * margin;
    const h = rect.height + 2 * margin;
    this.scale = clamp(Math.min(this.viewWidth / w, this.viewHeight / h), this.minScale, maxScale);
    this.centerOn(rect.x + rect.width / 2, rect.y + rect.height / 2);
  }

  /** Puts cell (cx, cy) (fractional) at the centre of the view. */
  centerOn(cx: number, cy: number): void {
    this.ox = cx - this.viewWidth / 2 / this.scale;
    this.oy = cy - this.viewHeight / 2 / this.scale;
    this.#keepInWorld();
  }

  /** Zooms by `factor` keeping the cell under canvas pixel (px, py) where it is. */
  zoomAt(factor: number, px: number, py: number): void {
    const { gx, gy } = this.toCell(px, py);
    this.scale = clamp(this.scale * factor, this.minScale, MAX_SCALE);
    this.ox = gx - px / this.scale;
    this.oy = gy - py / this.scale;
    this.#keepInWorld();
  }

  /** Moves the picture by (dx, dy) canvas pixels (a drag to the right shows what is left). */
  pan(dx: number, dy: number): void {
    this.ox -= dx / this.scale;
    this.oy -= dy / this.scale;
    this.#keepInWorld();
  }

  /** Canvas pixel of the top-left corner of cell (gx, gy). */
  toCanvas(gx: number, gy: number): { x: number; y: number } {
    return { x: (gx - this.ox) * this.scale, y: (gy - this.oy) * this.scale };
  }

  /** The (fractional) cell under canvas pixel (px, py). */
  toCell(px: number, py: number): { gx: number; gy: number } {
    return { gx: this.ox + px / this.scale, gy: this.oy + py / this.scale };
  }

  /** At least a quarter of the view keeps showing the layout, so it cannot be lost off-screen. */
  #keepInWorld(): void {
    const w = this.viewWidth / this.scale;
    const h = this.viewHeight / this.scale;
    this.ox = clamp(this.ox, this.world.x - 0.75 * w, this.world.x + this.world.width - 0.25 * w);
    this.oy = clamp(this.oy, this.world.y - 0.75 * h, this.world.y + this.world.height - 0.25 * h);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/**
 * Where to draw each of `n` agents that stand on one cell, as offsets in canvas pixels from the
 * cell's centre: one in the middle; up to `ring` around a circle of `radius` so none hides
 * another; more than that, all in the middle (the view draws a count badge on top).
 */
export function spreadOffsets(n: number, radius: number, ring = 8): Array<{ dx: number; dy: number }> {
  if (n <= 1 || n > ring) return Array.from({ length: n }, () => ({ dx: 0, dy: 0 }));
  return Array.from({ length: n }, (_, k) => {
    const a = -Math.PI / 2 + (2 * Math.PI * k) / n;
    return { dx: Math.round(radius * Math.cos(a)), dy: Math.round(radius * Math.sin(a)) };
  });
}
