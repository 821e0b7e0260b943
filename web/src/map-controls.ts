/**
 * Zoom and pan on the Map view's canvas: the wheel zooms about the cursor, a drag pans (and is
 * not a click), and with the canvas focused the keyboard does both — `+`/`-` zoom, arrows pan,
 * `F` fits all agents, `0` shows the whole map. Keys the map takes do not reach the game's
 * keyboard handler (on window), so arrows on the map do not walk the player.
 */
import type { MapView } from './map-view.js';

/** One wheel notch (deltaY 100) or one key press zooms by this factor. */
export const ZOOM_STEP = 1.25;
/** An arrow key pans by this share of the view. */
const PAN_SHARE = 0.15;
/** A pointer that moves further than this between down and up dragged; its click is dropped. */
const DRAG_PX = 4;

export function attachMapControls(canvas: HTMLCanvasElement, view: MapView): void {
  const scale = () => {
    const rect = canvas.getBoundingClientRect();
    return { rect, k: rect.width > 0 ? canvas.width / rect.width : 1 };
  };
  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const { rect, k } = scale();
      view.zoomBy(Math.pow(ZOOM_STEP, -e.deltaY / 100), (e.clientX - rect.left) * k, (e.clientY - rect.top) * k);
    },
    { passive: false },
  );

  let drag: { x: number; y: number; moved: number } | undefined;
  let dragged = false;
  canvas.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, moved: 0 };
    dragged = false;
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const { k } = scale();
    const [dx, dy] = [e.clientX - drag.x, e.clientY - drag.y];
    drag.moved += Math.abs(dx) + Math.abs(dy);
    drag.x = e.clientX;
    drag.y = e.clientY;
    if (drag.moved > DRAG_PX) {
      dragged = true;
      view.panBy(dx * k, dy * k);
    }
  });
  for (const type of ['pointerup', 'pointercancel'] as const) canvas.addEventListener(type, () => (drag = undefined));
  canvas.addEventListener('click', (e) => {
    if (dragged) {
      dragged = false;
      return;
    }
    const env = view.envAt(e);
    if (env !== undefined) view.onFocusEnv?.(env);
  });

  canvas.addEventListener('keydown', (e) => {
    const pan = PAN_SHARE * Math.min(canvas.width, canvas.height);
    const actions: Record<string, () => void> = {
      '+': () => view.zoomBy(ZOOM_STEP),
      '=': () => view.zoomBy(ZOOM_STEP),
      '-': () => view.zoomBy(1 / ZOOM_STEP),
      ArrowLeft: () => view.panBy(pan, 0),
      ArrowRight: () => view.panBy(-pan, 0),
      ArrowUp: () => view.panBy(0, pan),
      ArrowDown: () => view.panBy(0, -pan),
      f: () => view.fitAgents(),
      F: () => view.fitAgents(),
      '0': () => view.fitWorld(),
      Home: () => view.fitWorld(),
    };
    const action = actions[e.key];
    if (!action || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    e.stopPropagation();
    action();
  });
}
