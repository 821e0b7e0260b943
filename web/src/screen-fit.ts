import { el } from './dom.js';
import { integerScale } from './renderer.js';

/** Room kept under the focus view for the toolbar, so it stays on screen at 1280×800. */
const TOOLBAR_RESERVE_PX = 64;

/** Sizes the focus canvas to the largest integer scale that fits (less room when the grid is shown). */
export function fitScreen(canvas: HTMLCanvasElement, stage: HTMLElement, multi: boolean): void {
  let availW: number;
  let availH: number;
  if (document.fullscreenElement === stage) {
    availW = window.innerWidth - 16;
    availH = window.innerHeight - 16;
  } else {
    availW = el('stage-box').getBoundingClientRect().width - 16;
    const top = stage.getBoundingClientRect().top + window.scrollY;
    // With the grid below it, the focus view leaves room for the grid too.
    const rest = window.innerHeight - top - 16 - TOOLBAR_RESERVE_PX;
    availH = multi ? Math.min(rest, window.innerHeight * 0.55) : Math.max(rest, window.innerHeight * 0.4);
  }
  const scale = integerScale(canvas.width, canvas.height, availW, availH);
  canvas.style.width = `${canvas.width * scale}px`;
  canvas.style.height = `${canvas.height * scale}px`;
}
