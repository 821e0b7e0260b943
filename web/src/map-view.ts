/**
 * The Map view: every placed agent as a coloured dot with a fading trail on the layout's canvas,
 * over the world picture (drawn by the server from the user's own ROM, or the user's own
 * picture; none ships) or map outlines, with place names once they are readable, an optional
 * visit heatmap, a hover label (place name and agent), and click-to-focus for envs with video.
 *
 * The view has a camera (map-camera.ts): zoom and pan by wheel, drag and keyboard
 * (map-controls.ts), "fit all agents", "whole map", and follow the focused env. The picture,
 * outlines and names go to an off-screen layer redrawn only when the camera moves; a redraw
 * copies the layer's pixels and writes the heatmap, trails and dots into them (map-raster.ts:
 * canvas strokes were ~20× slower for 2,000 agents in software Chromium), then puts them back
 * once. Dots keep one on-screen size at every zoom; agents on one cell are spread around it
 * (more than 8: one dot and a count).
 */
import { FIT_MAX_SCALE, MapCamera, spreadOffsets } from './map-camera.js';
import { describeAgent, MapModel, type ViewAgent } from './map-model.js';
import { paintHeat, paintTrail } from './map-paint.js';
import { discOffsets, dot, packColour, type Pixels } from './map-raster.js';

/** Hover/click reach beyond a dot's edge, in canvas pixels. */
const PICK_SLACK_PX = 4;
/** Region names are drawn when they fit their region at this font. */
const NAME_FONT = '600 12px system-ui, sans-serif';

export interface Region {
  id: number;
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Placed {
  x: number;
  y: number;
  agent: ViewAgent;
}

export class MapView {
  readonly model = new MapModel();
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  readonly #tip: HTMLElement;
  readonly #count: HTMLElement;
  readonly #layer = document.createElement('canvas');
  #layerDirty = true;
  #regions: Region[] = [];
  readonly #names = new Map<number, string>();
  #background: CanvasImageSource | undefined;
  #camera: MapCamera | undefined;
  /** Until the user zooms or pans, the view keeps showing the whole map as the canvas resizes. */
  #userMoved = false;
  #drawn = -1;
  #frame = 0;
  #visible = false;
  #heat = false;
  /** The layer's pixels, and the frame they are copied into before agents are drawn. */
  #base: Uint32Array | undefined;
  #frameImage: ImageData | undefined;
  readonly #colours = new Map<string, number>();
  #placed: Placed[] = [];
  #badges: Array<{ x: number; y: number; n: number }> = [];
  #dotRadius = 4;
  /** The dot's rim and fill pixel offsets, for radius `r` (kept while the radius is). */
  #discs: { r: number; rim: Int16Array; fill: Int16Array } | undefined;
  /** The env to keep centred (the focused one), when following. */
  #follow: (() => number | undefined) | undefined;
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
    new ResizeObserver(() => this.#syncSize()).observe(canvas);
  }

  /** One `positions` record. */
  apply(record: Record<string, unknown>): void {
    const before = this.model.layout;
    this.model.apply(record);
    const layout = this.model.layout;
    if (layout && (layout.width !== before?.width || layout.height !== before?.height)) {
      this.#camera = new MapCamera(this.#canvas.width, this.#canvas.height, { x: 0, y: 0, width: layout.width, height: layout.height });
      this.#invalidate();
    }
    this.#schedule();
  }

  /** Map outlines and place names from `api/map/layout` (when the server has them). */
  setRegions(regions: Region[]): void {
    this.#regions = regions;
    this.#names.clear();
    for (const r of regions) this.#names.set(r.id, r.name);
    this.#invalidate();
  }

  /** A picture aligned to the layout (drawn from the user's ROM, or the user's own), under everything. */
  setBackground(picture: CanvasImageSource): void {
    this.#background = picture;
    this.#invalidate();
  }

  setVisible(visible: boolean): void {
    this.#visible = visible;
    if (visible) this.#syncSize();
    this.#invalidate();
  }

  setHeatmap(on: boolean): void {
    this.#heat = on;
    this.#drawn = -1;
    this.#schedule();
  }

  /** Keeps the env `env()` returns centred on every draw; undefined stops following. */
  setFollow(env: (() => number | undefined) | undefined): void {
    this.#follow = env;
    this.#invalidate();
  }

  /** The focused env changed: when following, centre on the new one now, not at the next positions. */
  focusMoved(): void {
    if (this.#follow) this.#invalidate();
  }

  /** Zooms by `factor` about canvas pixel (px, py), the centre by default. */
  zoomBy(factor: number, px?: number, py?: number): void {
    this.#camera?.zoomAt(factor, px ?? this.#canvas.width / 2, py ?? this.#canvas.height / 2);
    this.#userMoved = true;
    this.#invalidate();
  }

  /** Moves the picture by (dx, dy) canvas pixels. */
  panBy(dx: number, dy: number): void {
    this.#camera?.pan(dx, dy);
    this.#userMoved = true;
    this.#invalidate();
  }

  /** Shows every placed agent (the whole map when none is placed). */
  fitAgents(): void {
    const placed = [...this.model.agents.values()].filter((a) => a.gx !== null && a.gy !== null);
    if (!this.#camera) return;
    if (placed.length === 0) return this.fitWorld();
    const xs = placed.map((a) => a.gx!);
    const ys = placed.map((a) => a.gy!);
    const [x0, y0] = [Math.min(...xs), Math.min(...ys)];
    this.#camera.fit({ x: x0, y: y0, width: Math.max(...xs) - x0 + 1, height: Math.max(...ys) - y0 + 1 }, 6, FIT_MAX_SCALE);
    this.#userMoved = true;
    this.#invalidate();
  }

  fitWorld(): void {
    this.#camera?.fit(this.#camera.world);
    this.#userMoved = false;
    this.#invalidate();
  }

  /** Canvas pixel of the centre of global cell (gx, gy). */
  pixelOf(gx: number, gy: number): { x: number; y: number } {
    const c = this.#camera;
    if (!c) return { x: 0, y: 0 };
    const p = c.toCanvas(gx + 0.5, gy + 0.5);
    return { x: Math.floor(p.x), y: Math.floor(p.y) };
  }

  /** The env agent under a click, if any (for the click handler in map-controls.ts). */
  envAt(e: MouseEvent): number | undefined {
    return this.#pick(e)?.agent.env;
  }

  #syncSize(): void {
    const w = Math.max(1, Math.round(this.#canvas.clientWidth));
    const h = Math.max(1, Math.round(this.#canvas.clientHeight));
    if (w === this.#canvas.width && h === this.#canvas.height) return;
    this.#canvas.width = w;
    this.#canvas.height = h;
    this.#camera?.resize(w, h);
    if (!this.#userMoved) this.#camera?.fit(this.#camera.world);
    this.#invalidate();
  }

  #invalidate(): void {
    this.#layerDirty = true;
    this.#drawn = -1;
    this.#schedule();
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
    const camera = this.#camera;
    this.#drawn = this.model.version;
    const agents = [...this.model.agents.values()];
    if (camera && this.#follow) {
      const env = this.#follow();
      const a = agents.find((x) => x.env === env && x.gx !== null && x.gy !== null);
      if (a) {
        const [ox, oy] = [camera.ox, camera.oy];
        camera.centerOn(a.gx! + 0.5, a.gy! + 0.5);
        if (ox !== camera.ox || oy !== camera.oy) this.#layerDirty = true;
      }
    }
    if (this.#layerDirty) this.#drawLayer();
    this.#placed = [];
    const { width: w, height: h } = this.#canvas;
    if (!this.#frameImage || this.#frameImage.width !== w || this.#frameImage.height !== h) this.#frameImage = new ImageData(w, h);
    const px: Pixels = { width: w, height: h, data: new Uint32Array(this.#frameImage.data.buffer) };
    if (this.#base && this.#base.length === px.data.length) px.data.set(this.#base);
    if (camera) {
      if (this.#heat && this.model.layout) paintHeat(px, camera, this.model.visits, this.model.maxVisits, this.model.layout.width);
      this.#dotRadius = Math.round(Math.min(7, Math.max(4, camera.scale * 0.3)));
      for (const a of agents) if (a.trail.length >= 4) paintTrail(px, camera, a.trail, this.#colour(a.color), this.model.isStale(a) ? 0.3 : 0.8);
      this.#drawDots(camera, agents, px);
    }
    ctx.putImageData(this.#frameImage, 0, 0);
    this.#drawBadges(camera);
    const placed = agents.filter((a) => a.gx !== null).length;
    this.#count.textContent = `${agents.length} agent${agents.length === 1 ? '' : 's'}${placed < agents.length ? ` (${agents.length - placed} off the map)` : ''}`;
    this.lastDrawMs = performance.now() - started;
    const d = this.#canvas.dataset;
    d['drawMs'] = this.lastDrawMs.toFixed(2);
    d['agents'] = String(agents.length);
    d['draws'] = String(++this.draws);
    d['view'] = camera ? `${camera.scale} ${camera.ox} ${camera.oy}` : '';
  }

  /** Dots of a fixed on-screen size; agents sharing a cell spread around it, or one dot and a count. */
  #drawDots(camera: MapCamera, agents: ViewAgent[], px: Pixels): void {
    const r = this.#dotRadius;
    if (this.#discs?.r !== r) this.#discs = { r, rim: discOffsets(r + 1), fill: discOffsets(r) };
    const { rim, fill } = this.#discs;
    const cells = new Map<number, ViewAgent[]>();
    const width = this.model.layout?.width ?? 0;
    for (const a of agents) {
      if (a.gx === null || a.gy === null) continue;
      const key = a.gy * width + a.gx;
      const list = cells.get(key);
      if (list) list.push(a);
      else cells.set(key, [a]);
    }
    this.#badges = [];
    /** Offsets by group size, worked out once a draw (most cells hold one agent). */
    const spreads = new Map<number, Array<{ dx: number; dy: number }>>();
    for (const group of cells.values()) {
      const c = camera.toCanvas(group[0]!.gx! + 0.5, group[0]!.gy! + 0.5);
      if (c.x < -20 || c.y < -20 || c.x > px.width + 20 || c.y > px.height + 20) continue;
      let offsets = spreads.get(group.length);
      if (!offsets) spreads.set(group.length, (offsets = spreadOffsets(group.length, r * 1.9)));
      for (let i = 0; i < group.length; i++) {
        const a = group[i]!;
        const x = Math.round(c.x + offsets[i]!.dx);
        const y = Math.round(c.y + offsets[i]!.dy);
        this.#placed.push({ x, y, agent: a });
        dot(px, x, y, rim, fill, this.#colour(a.color), this.model.isStale(a) ? 102 : 256);
      }
      if (offsets[0]!.dx === 0 && group.length > 1) this.#badges.push({ x: Math.round(c.x + r), y: Math.round(c.y - r), n: group.length });
    }
  }

  /** Counts over cells with more agents than fit around them, as text over the pixels. */
  #drawBadges(camera: MapCamera | undefined): void {
    if (!camera || this.#badges.length === 0) return;
    const ctx = this.#ctx;
    ctx.font = '700 11px system-ui, sans-serif';
    for (const { x, y, n } of this.#badges) {
      const text = String(n);
      ctx.fillStyle = '#000d';
      ctx.fillRect(x, y - 12, ctx.measureText(text).width + 6, 13);
      ctx.fillStyle = '#fff';
      ctx.fillText(text, x + 3, y - 2);
    }
  }

  #colour(css: string): number {
    let c = this.#colours.get(css);
    if (c === undefined) {
      if (this.#colours.size > 8192) this.#colours.clear();
      c = packColour(css);
      this.#colours.set(css, c);
    }
    return c;
  }

  /** The world picture (or outlines) and place names for the current camera. */
  #drawLayer(): void {
    this.#layerDirty = false;
    const layer = this.#layer;
    if (layer.width !== this.#canvas.width || layer.height !== this.#canvas.height) {
      layer.width = this.#canvas.width;
      layer.height = this.#canvas.height;
    }
    const ctx = layer.getContext('2d')!;
    ctx.fillStyle = '#101318';
    ctx.fillRect(0, 0, layer.width, layer.height);
    const camera = this.#camera;
    const layout = this.model.layout;
    if (!camera || !layout) {
      this.#base = new Uint32Array(ctx.getImageData(0, 0, layer.width, layer.height).data.buffer);
      return;
    }
    const s = camera.scale;
    const origin = camera.toCanvas(0, 0);
    if (this.#background) {
      // Smooth when shrinking the picture, crisp pixels when enlarging it.
      const width = (this.#background as { width: number }).width;
      ctx.imageSmoothingEnabled = width / layout.width > s;
      ctx.drawImage(this.#background, origin.x, origin.y, layout.width * s, layout.height * s);
    } else {
      ctx.strokeStyle = '#2e3440';
      ctx.lineWidth = 1;
      for (const r of this.#regions) {
        const p = camera.toCanvas(r.x, r.y);
        ctx.strokeRect(Math.round(p.x) + 0.5, Math.round(p.y) + 0.5, Math.round(r.width * s) - 1, Math.round(r.height * s) - 1);
      }
    }
    ctx.font = NAME_FONT;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    ctx.lineWidth = 3;
    for (const r of this.#regions) {
      const p = camera.toCanvas(r.x + r.width / 2, r.y + r.height / 2);
      const [rw, rh] = [r.width * s, r.height * s];
      if (rh < 18 || p.x + rw / 2 < 0 || p.y + rh / 2 < 0 || p.x - rw / 2 > layer.width || p.y - rh / 2 > layer.height) continue;
      if (ctx.measureText(r.name).width + 8 > rw) continue;
      ctx.strokeStyle = '#000c';
      ctx.strokeText(r.name, p.x, p.y);
      ctx.fillStyle = '#fff';
      ctx.fillText(r.name, p.x, p.y);
    }
    ctx.textAlign = 'start';
    ctx.textBaseline = 'alphabetic';
    this.#base = new Uint32Array(ctx.getImageData(0, 0, layer.width, layer.height).data.buffer);
  }

  /** The drawn dot under the mouse (within its radius and a little), nearest first. */
  #pick(e: MouseEvent): Placed | undefined {
    const rect = this.#canvas.getBoundingClientRect();
    if (rect.width === 0) return undefined;
    const px = ((e.clientX - rect.left) * this.#canvas.width) / rect.width;
    const py = ((e.clientY - rect.top) * this.#canvas.height) / rect.height;
    let best: Placed | undefined;
    let bestD = (this.#dotRadius + PICK_SLACK_PX) ** 2;
    for (const p of this.#placed) {
      const d = (p.x - px) ** 2 + (p.y - py) ** 2;
      if (d <= bestD) {
        bestD = d;
        best = p;
      }
    }
    return best;
  }

  /** The region under the mouse, for a hover with no agent. */
  #regionAt(e: MouseEvent): Region | undefined {
    const rect = this.#canvas.getBoundingClientRect();
    if (!this.#camera || rect.width === 0) return undefined;
    const { gx, gy } = this.#camera.toCell(((e.clientX - rect.left) * this.#canvas.width) / rect.width, ((e.clientY - rect.top) * this.#canvas.height) / rect.height);
    return this.#regions.find((r) => gx >= r.x && gy >= r.y && gx < r.x + r.width && gy < r.y + r.height);
  }

  #hover(e: MouseEvent): void {
    const agent = this.#pick(e)?.agent;
    this.#canvas.style.cursor = agent?.env !== undefined ? 'pointer' : '';
    const text = agent ? describeAgent(agent, this.#names.get(agent.map)) + (agent.env !== undefined ? ' — click to watch' : '') : this.#regionAt(e)?.name;
    if (!text) {
      this.#tip.hidden = true;
      return;
    }
    this.#tip.textContent = text;
    const box = this.#canvas.parentElement!.getBoundingClientRect();
    this.#tip.style.left = `${e.clientX - box.left + 12}px`;
    this.#tip.style.top = `${e.clientY - box.top + 12}px`;
    this.#tip.hidden = false;
  }
}
