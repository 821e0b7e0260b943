import type { FrameFormat } from '../../src/protocol/messages.js';

/**
 * Draws frames on a canvas: decode JPEG or PNG bytes to an ImageBitmap off the main thread, draw only
 * the newest in requestAnimationFrame, close bitmaps nobody will draw. When behind, skip to the
 * newest (jsmpeg's latency policy). Paused while the tab is hidden.
 */
export class FrameRenderer {
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  #pending: Uint8Array | undefined;
  #pendingFormat: FrameFormat = 'jpeg';
  #decoding = false;
  #ready: ImageBitmap | undefined;
  #rafId = 0;
  #paused = false;
  /** Frames decoded and drawn, and frames skipped because a newer one arrived first. */
  drawn = 0;
  skipped = 0;
  hasFrame = false;
  onDrawn?: () => void;

  constructor(canvas: HTMLCanvasElement) {
    this.#canvas = canvas;
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('canvas 2d context unavailable');
    this.#ctx = ctx;
    this.#ctx.imageSmoothingEnabled = false;
  }

  /** Offers image bytes (`frame.format`); replaces any frame still waiting to be decoded. */
  push(data: Uint8Array, width: number, height: number, format: FrameFormat = 'jpeg'): void {
    if (this.#canvas.width !== width || this.#canvas.height !== height) {
      this.#canvas.width = width;
      this.#canvas.height = height;
      this.#ctx.imageSmoothingEnabled = false;
    }
    if (this.#pending) this.skipped++;
    this.#pending = data;
    this.#pendingFormat = format;
    this.#pump();
  }

  /** Stop decoding (tab hidden); resume picks up the newest frame only. */
  setPaused(paused: boolean): void {
    this.#paused = paused;
    if (!paused) this.#pump();
  }

  #pump(): void {
    if (this.#paused || this.#decoding || !this.#pending) return;
    const bytes = this.#pending;
    const type = `image/${this.#pendingFormat}`;
    this.#pending = undefined;
    this.#decoding = true;
    createImageBitmap(new Blob([bytes as BlobPart], { type }))
      .then((bitmap) => {
        this.#ready?.close();
        this.#ready = bitmap;
        if (!this.#rafId) this.#rafId = requestAnimationFrame(() => this.#draw());
      })
      .catch(() => {
        this.skipped++;
      })
      .finally(() => {
        this.#decoding = false;
        this.#pump();
      });
  }

  #draw(): void {
    this.#rafId = 0;
    const bitmap = this.#ready;
    if (!bitmap) return;
    this.#ready = undefined;
    this.#ctx.drawImage(bitmap, 0, 0, this.#canvas.width, this.#canvas.height);
    bitmap.close();
    this.drawn++;
    this.hasFrame = true;
    this.onDrawn?.();
  }
}

/** Largest integer scale at which a w×h image fits in the available box (at least 1). */
export function integerScale(w: number, h: number, availW: number, availH: number): number {
  return Math.max(1, Math.floor(Math.min(availW / w, availH / h)));
}
