/**
 * The Map view: every agent as a coloured dot with a fading trail on the layout's canvas, map
 * outlines when the server can give the layout (`api/map/layout`; a replay cannot, so it draws
 * none) over the user's background picture if there is one, an optional visit heatmap, a hover label, and click-to-focus for agents that are envs
 * with video. Draws at most once per animation frame and only after a change, so 288 agents at
 * 4 updates a second cost a few redraws a second. No game graphics: outlines only.
 */
import { describeAgent, MapModel, type ViewAgent } from './map-model.js';

/** Canvas pixels per position unit: 2 for Kanto (872×888); big layouts are scaled to fit 1024. */
const MAX_CANVAS_SIDE = 1024;
const MAX_SCALE = 2;
/** Points further apart than this are a warp (a door, a fly), not a walk: not joined by a line. */
const MAX_STEP = 3;
/** Trail segments are drawn in this many alpha steps, oldest faintest. */
const TRAIL_BANDS = 4;
/** Hover/click reach, in canvas pixels. */
const PICK_RADIUS_PX = 8;

export interface Region {
  id: number;
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export class MapView {
  readonly model = new MapModel();
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  readonly #tip: HTMLElement;
  readonly #count: HTMLElement;
  #regions: Region[] = [];
  #background: CanvasImageSource | undefined;
  #scale = MAX_SCALE;
  #drawn = -1;
  #frame = 0;
  #visible = false;
  #heat = false;
  #heatCanvas: HTMLCanvasElement | undefined;
  #heatVersion = -1;
  /** How long the last draw took, ms (shown in a data attribute for tests and the curious). */
  lastDrawMs = 0;
  /** Draws so far. */
  draws = 0;
  /** Called when an agent that is an env with video is clicked. */
  onFocusEnv?: (env: number) => void;

  constructor(canvas: HTMLCanvasElement, tip: HTMLElement, count: HTMLElement) {
    this.#canvas = canvas;
    this.#ctx = canvas.getContext('2d')!;
    this.#tip = tip;
    this.#count = count;
    canvas.addEventListener('mousemove', (e) => this.#hover(e));
    canvas.addEventListener('mouseleave', () => (this.#tip.hidden = true));
    canvas.addEventListener('click', (e) => {
      const agent = this.#pick(e);
      if (agent?.env !== undefined) this.onFocusEnv?.(agent.env);
    });
  }

  /** One `positions` record. */
  apply(record: Record<string, unknown>): void {
    const before = this.model.layout;
    this.model.apply(record);
    const layout = this.model.layout;
    if (layout && (layout.width !== before?.width || layout.height !== before?.height)) this.#resize();
    this.#schedule();
  }

  /** Map outlines from `api/map/layout` (when the server has them). */
  setRegions(regions: Region[]): void {
    this.#regions = regions;
    this.#drawn = -1;
    this.#schedule();
  }

  /** A picture aligned to the layout (the user's own; none ships), drawn under everything. */
  setBackground(picture: CanvasImageSource): void {
    this.#background = picture;
    this.#drawn = -1;
    this.#schedule();
  }

  setVisible(visible: boolean): void {
    this.#visible = visible;
    this.#drawn = -1;
    this.#schedule();
  }

  setHeatmap(on: boolean): void {
    this.#heat = on;
    this.#drawn = -1;
    this.#schedule();
  }

  /** Canvas pixel of the centre of global cell (gx, gy). */
  pixelOf(gx: number, gy: number): { x: number; y: number } {
    return { x: Math.floor((gx + 0.5) * this.#scale), y: Math.floor((gy + 0.5) * this.#scale) };
  }

  #resize(): void {
    const { width, height } = this.model.layout!;
    this.#scale = Math.min(MAX_SCALE, MAX_CANVAS_SIDE / Math.max(width, height));
    this.#canvas.width = Math.round(width * this.#scale);
    this.#canvas.height = Math.round(height * this.#scale);
    this.#heatCanvas = undefined;
    this.#drawn = -1;
  }

  #schedule(): void {
    if (!this.#visible || this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      if (this.#drawn !== this.model.version) this.#draw();
    });
  }

  #draw(): void {
    const started = performance.now();
    const ctx = this.#ctx;
    const s = this.#scale;
    this.#drawn = this.model.version;
    ctx.globalAlpha = 1;
    ctx.fillStyle = '#101318';
    ctx.fillRect(0, 0, this.#canvas.width, this.#canvas.height);
    if (this.#background) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.#background, 0, 0, this.#canvas.width, this.#canvas.height);
    }
    ctx.strokeStyle = '#2e3440';
    ctx.lineWidth = 1;
    for (const r of this.#regions) ctx.strokeRect(r.x * s + 0.5, r.y * s + 0.5, r.width * s - 1, r.height * s - 1);
    if (this.#heat) this.#drawHeat();
    const agents = [...this.model.agents.values()];
    ctx.lineWidth = Math.max(1, s * 0.75);
    ctx.lineCap = 'round';
    for (const a of agents) this.#drawTrail(a);
    const r = Math.max(2.5, s * 1.5);
    for (const a of agents) {
      if (a.gx === null || a.gy === null) continue;
      const { x, y } = this.pixelOf(a.gx, a.gy);
      ctx.globalAlpha = this.model.isStale(a) ? 0.4 : 1;
      ctx.beginPath();
      ctx.arc(x, y, r + 1, 0, Math.PI * 2);
      ctx.fillStyle = '#000';
      ctx.fill();
      ctx.beginPath();
      ctx.arc(x, y, r, 0, Math.PI * 2);
      ctx.fillStyle = a.color;
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    const placed = agents.filter((a) => a.gx !== null).length;
    this.#count.textContent = `${agents.length} agent${agents.length === 1 ? '' : 's'}${placed < agents.length ? ` (${agents.length - placed} off the map)` : ''}`;
    this.lastDrawMs = performance.now() - started;
    this.#canvas.dataset['drawMs'] = this.lastDrawMs.toFixed(2);
    this.#canvas.dataset['agents'] = String(agents.length);
    this.#canvas.dataset['draws'] = String(++this.draws);
  }

  #drawTrail(a: ViewAgent): void {
    const ctx = this.#ctx;
    const t = a.trail;
    const n = t.length / 2;
    if (n < 2) return;
    ctx.strokeStyle = a.color;
    // A few strokes per agent, older bands fainter: cheap enough for hundreds of agents.
    for (let band = 0; band < TRAIL_BANDS; band++) {
      const from = Math.floor(((n - 1) * band) / TRAIL_BANDS);
      const to = Math.floor(((n - 1) * (band + 1)) / TRAIL_BANDS);
      ctx.globalAlpha = (this.model.isStale(a) ? 0.3 : 0.8) * ((band + 1) / TRAIL_BANDS);
      ctx.beginPath();
      for (let i = from; i < to; i++) {
        const [x0, y0, x1, y1] = [t[i * 2]!, t[i * 2 + 1]!, t[i * 2 + 2]!, t[i * 2 + 3]!];
        if (Math.abs(x1 - x0) > MAX_STEP || Math.abs(y1 - y0) > MAX_STEP) continue;
        const p = this.pixelOf(x0, y0);
        const q = this.pixelOf(x1, y1);
        ctx.moveTo(p.x, p.y);
        ctx.lineTo(q.x, q.y);
      }
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }

  /** Visits as a layout-sized image (one pixel per cell, log scale), scaled up onto the map. */
  #drawHeat(): void {
    const layout = this.model.layout;
    if (!layout) return;
    if (!this.#heatCanvas) {
      this.#heatCanvas = document.createElement('canvas');
      this.#heatCanvas.width = layout.width;
      this.#heatCanvas.height = layout.height;
      this.#heatVersion = -1;
    }
    if (this.#heatVersion !== this.model.version) {
      this.#heatVersion = this.model.version;
      const hctx = this.#heatCanvas.getContext('2d')!;
      const image = hctx.createImageData(layout.width, layout.height);
      const top = Math.log1p(this.model.maxVisits || 1);
      for (const [cell, n] of this.model.visits) {
        const v = Math.log1p(n) / top; // 0–1
        const o = cell * 4;
        image.data[o] = 255;
        image.data[o + 1] = Math.round(220 * (1 - v));
        image.data[o + 2] = 0;
        image.data[o + 3] = Math.round(90 + 140 * v);
      }
      hctx.putImageData(image, 0, 0);
    }
    this.#ctx.imageSmoothingEnabled = false;
    this.#ctx.drawImage(this.#heatCanvas, 0, 0, this.#canvas.width, this.#canvas.height);
  }

  #pick(e: MouseEvent): ViewAgent | undefined {
    const rect = this.#canvas.getBoundingClientRect();
    if (rect.width === 0) return undefined;
    const px = ((e.clientX - rect.left) * this.#canvas.width) / rect.width;
    const py = ((e.clientY - rect.top) * this.#canvas.height) / rect.height;
    return this.model.nearest(px / this.#scale, py / this.#scale, PICK_RADIUS_PX / this.#scale);
  }

  #hover(e: MouseEvent): void {
    const agent = this.#pick(e);
    this.#canvas.style.cursor = agent?.env !== undefined ? 'pointer' : '';
    if (!agent) {
      this.#tip.hidden = true;
      return;
    }
    this.#tip.textContent = describeAgent(agent) + (agent.env !== undefined ? ' — click to watch' : '');
    const box = this.#canvas.parentElement!.getBoundingClientRect();
    this.#tip.style.left = `${e.clientX - box.left + 12}px`;
    this.#tip.style.top = `${e.clientY - box.top + 12}px`;
    this.#tip.hidden = false;
  }
}
