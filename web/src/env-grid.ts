/**
 * The grid of all envs: one small live canvas per env (its own FrameRenderer, so each draws only
 * its newest frame and closes the bitmaps it skips), each inside a button that moves the focus.
 * Drawn at 1× (160×144 CSS pixels for a Game Boy), so every cell stays pixel-exact.
 */
import type { FrameFormat } from '../../src/protocol/messages.js';
import { FrameRenderer } from './renderer.js';

interface Cell {
  button: HTMLButtonElement;
  label: HTMLElement;
  renderer: FrameRenderer;
}

export class EnvGrid {
  readonly #section: HTMLElement;
  readonly #root: HTMLElement;
  #cells: Cell[] = [];
  #paused = false;
  /** Called when the user picks an env (click, Enter or Space on its cell). */
  onFocus?: (env: number) => void;

  constructor(section: HTMLElement, root: HTMLElement) {
    this.#section = section;
    this.#root = root;
  }

  get size(): number {
    return this.#cells.length;
  }

  /** Builds one cell per env; with a single env the grid is hidden and holds nothing. */
  setCount(count: number, focused: number): void {
    if (count <= 1) {
      this.#root.replaceChildren();
      this.#cells = [];
      this.#section.hidden = true;
      return;
    }
    if (count !== this.#cells.length) {
      this.#root.replaceChildren();
      this.#cells = [];
      for (let env = 0; env < count; env++) this.#cells.push(this.#makeCell(env));
    }
    this.#section.hidden = false;
    this.setFocused(focused);
  }

  #makeCell(env: number): Cell {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'env-cell';
    button.dataset['env'] = String(env);
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 144;
    canvas.setAttribute('aria-hidden', 'true');
    const label = document.createElement('span');
    label.className = 'env-label';
    button.append(canvas, label);
    button.addEventListener('click', () => this.onFocus?.(env));
    this.#root.append(button);
    const renderer = new FrameRenderer(canvas);
    renderer.setPaused(this.#paused);
    return { button, label, renderer };
  }

  /** Marks the focused cell by text and aria-pressed, not by colour alone. */
  setFocused(focused: number): void {
    this.#cells.forEach((cell, env) => {
      const on = env === focused;
      cell.button.setAttribute('aria-pressed', String(on));
      cell.label.textContent = on ? `env ${env} · focused` : `env ${env}`;
      cell.button.setAttribute('aria-label', on ? `env ${env}, focused` : `Focus env ${env}`);
    });
  }

  push(env: number, data: Uint8Array, width: number, height: number, format: FrameFormat = 'jpeg'): void {
    this.#cells[env]?.renderer.push(data, width, height, format);
  }

  setPaused(paused: boolean): void {
    this.#paused = paused;
    for (const cell of this.#cells) cell.renderer.setPaused(paused);
  }

  /** Frames drawn per cell (tests and the page's own checks). */
  drawn(): number[] {
    return this.#cells.map((c) => c.renderer.drawn);
  }
}
