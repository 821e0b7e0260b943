/**
 * The grid of envs: one button per env (label, and a small live canvas), in the order and with
 * the filter the page chooses, each moving the focus when picked. Virtualised for training-scale
 * grids (hundreds of envs): a cell decodes frames only while it is on screen (an
 * IntersectionObserver says which are), and its renderer (canvas context and bitmaps) is made
 * the first time it shows. The page subscribes to thumbnails of `visible()` envs only, at a low
 * rate. Up to 16 envs are drawn at 1× (160×144 CSS pixels, pixel-exact); more at half size.
 */
import type { FrameFormat } from '../../src/protocol/messages.js';
import type { EnvEntry } from './env-catalog.js';
import { FrameRenderer } from './renderer.js';

/** Above this many envs, thumbnails are drawn at half size. */
export const COMPACT_ABOVE = 16;

interface Cell {
  env: number;
  button: HTMLButtonElement;
  label: HTMLElement;
  canvas: HTMLCanvasElement;
  renderer: FrameRenderer | undefined;
  entry: EnvEntry;
}

export class EnvGrid {
  readonly #section: HTMLElement;
  readonly #root: HTMLElement;
  readonly #cells = new Map<number, Cell>();
  readonly #visible = new Set<number>();
  readonly #observer: IntersectionObserver | undefined;
  #focused = 0;
  #paused = false;
  /** Called when the user picks an env (click, Enter or Space on its cell). */
  onFocus?: (env: number) => void;
  /** Called when the set of on-screen cells changes (scrolling, a new order or filter). */
  onVisibleChange?: () => void;
  /** Called with the envs whose cells just came on screen (to draw the newest frame the page holds at once). */
  onShown?: (envs: number[]) => void;

  constructor(section: HTMLElement, root: HTMLElement) {
    this.#section = section;
    this.#root = root;
    this.#observer =
      typeof IntersectionObserver === 'function'
        ? new IntersectionObserver((entries) => this.#onIntersect(entries), { rootMargin: '200px 0px' })
        : undefined;
  }

  get size(): number {
    return this.#cells.size;
  }

  /** Envs 0..count-1, labelled "env N" (a server without an env list); hidden for one env. */
  setCount(count: number, focused: number): void {
    this.show(Array.from({ length: count }, (_, env) => ({ env, label: `env ${env}`, live: true, source: 'local' as const })), count, focused);
  }

  /**
   * Shows `entries` in this order, reusing each env's cell; `total` is how many envs exist
   * (the grid hides itself when there is only one).
   */
  show(entries: readonly EnvEntry[], total: number, focused: number): void {
    if (total <= 1) {
      for (const env of [...this.#cells.keys()]) this.#drop(env);
      this.#section.hidden = true;
      return;
    }
    const keep = new Set(entries.map((e) => e.env));
    for (const env of [...this.#cells.keys()]) if (!keep.has(env)) this.#drop(env);
    this.#root.classList.toggle('compact', total > COMPACT_ABOVE);
    // appendChild moves an existing node: this reorders without rebuilding.
    for (const entry of entries) {
      const cell = this.#cells.get(entry.env) ?? this.#makeCell(entry);
      cell.entry = entry;
      cell.button.classList.toggle('gone', !entry.live);
      this.#root.append(cell.button);
    }
    this.#section.hidden = false;
    this.setFocused(focused);
    this.onVisibleChange?.();
  }

  #makeCell(entry: EnvEntry): Cell {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'env-cell';
    button.dataset['env'] = String(entry.env);
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 144;
    canvas.setAttribute('aria-hidden', 'true');
    const label = document.createElement('span');
    label.className = 'env-label';
    button.append(canvas, label);
    button.addEventListener('click', () => this.onFocus?.(entry.env));
    const cell: Cell = { env: entry.env, button, label, canvas, renderer: undefined, entry };
    this.#cells.set(entry.env, cell);
    if (this.#observer) this.#observer.observe(button);
    else this.#visible.add(entry.env); // no IntersectionObserver: treat every cell as visible
    return cell;
  }

  #drop(env: number): void {
    const cell = this.#cells.get(env);
    if (!cell) return;
    this.#observer?.unobserve(cell.button);
    cell.renderer?.setPaused(true);
    cell.button.remove();
    this.#cells.delete(env);
    this.#visible.delete(env);
  }

  #onIntersect(entries: IntersectionObserverEntry[]): void {
    let changed = false;
    const shown: number[] = [];
    for (const e of entries) {
      const env = Number((e.target as HTMLElement).dataset['env']);
      if (e.isIntersecting && !this.#visible.has(env)) {
        this.#visible.add(env);
        shown.push(env);
        changed = true;
      } else if (!e.isIntersecting && this.#visible.delete(env)) {
        changed = true;
      }
    }
    if (shown.length > 0) this.onShown?.(shown);
    if (changed) this.onVisibleChange?.();
  }

  /** Marks the focused cell by text and aria-pressed, not by colour alone. */
  setFocused(focused: number): void {
    this.#focused = focused;
    for (const cell of this.#cells.values()) {
      const on = cell.env === focused;
      const name = cell.entry.source === 'local' ? `env ${cell.env}` : cell.entry.label;
      const suffix = (on ? ' · focused' : '') + (cell.entry.live ? '' : ' · gone');
      cell.button.setAttribute('aria-pressed', String(on));
      cell.label.textContent = name + suffix;
      cell.button.setAttribute('aria-label', on ? `${name}, focused` : `Focus ${name}${cell.entry.source === 'local' ? '' : ` (env ${cell.env})`}`);
    }
  }

  /** Draws a frame in env's cell, only while the cell is on screen. */
  push(env: number, data: Uint8Array, width: number, height: number, format: FrameFormat = 'jpeg'): void {
    const cell = this.#cells.get(env);
    if (!cell || !this.#visible.has(env)) return;
    if (!cell.renderer) {
      cell.renderer = new FrameRenderer(cell.canvas);
      cell.renderer.setPaused(this.#paused);
    }
    cell.renderer.push(data, width, height, format);
  }

  /** Envs whose cells are on screen (or near it), in grid order. */
  visible(): number[] {
    return [...this.#cells.keys()].filter((env) => this.#visible.has(env));
  }

  setPaused(paused: boolean): void {
    this.#paused = paused;
    for (const cell of this.#cells.values()) cell.renderer?.setPaused(paused);
  }

  /** Frames drawn per cell, in grid order (tests and the page's own checks). */
  drawn(): number[] {
    return [...this.#cells.values()].map((c) => c.renderer?.drawn ?? 0);
  }

  get focused(): number {
    return this.#focused;
  }
}
