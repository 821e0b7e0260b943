/**
 * The viewer's map state, built from `positions` records only (live, or replayed from a
 * recording): every agent's position and recent trail, and the visit heatmap (the sum of all
 * paths, which is what the server counts). A `full` record replaces everything. Pure: no DOM.
 */
import type { MapAgentUpdate } from '../../src/protocol/messages.js';

/** Trail points kept per agent (the server keeps as many). */
export const TRAIL_POINTS = 64;
/** An agent not heard from for this long (in record time) is drawn faded. */
export const STALE_MS = 120_000;

/** An agent as the viewer keeps it: the record's fields plus when it was last heard from. */
export type ViewAgent = Pick<MapAgentUpdate, 'id' | 'env' | 'label' | 'color' | 'extra' | 'map' | 'x' | 'y' | 'gx' | 'gy'> & {
  updatedAt: number;
  /** Flattened global points, oldest first. */
  trail: number[];
};

export interface LayoutInfo {
  name: string;
  width: number;
  height: number;
}

export class MapModel {
  layout: LayoutInfo | undefined;
  readonly agents = new Map<string, ViewAgent>();
  /** Visits by gy * width + gx. */
  readonly visits = new Map<number, number>();
  maxVisits = 0;
  /** Newest record time seen: "now" for staleness, so replays fade agents as live did. */
  latestTs = 0;
  /** Bumped on every change, so a view redraws only when something moved. */
  version = 0;

  /** Applies one `positions` record; ignores records that don't look like one. */
  apply(record: Record<string, unknown>): void {
    const layout = parseLayout(record['layout']);
    const agents = record['agents'];
    if (!layout || !Array.isArray(agents)) return;
    const full = record['full'] === true;
    if (full || !this.layout || this.layout.name !== layout.name || this.layout.width !== layout.width) {
      this.agents.clear();
      this.visits.clear();
      this.maxVisits = 0;
    }
    this.layout = layout;
    // Agents the server forgot (its cap of agents): gone before `agents`, which may bring one back.
    const removed = record['removed'];
    if (Array.isArray(removed)) for (const id of removed) if (typeof id === 'string') this.agents.delete(id);
    if (typeof record['ts'] === 'number') this.latestTs = Math.max(this.latestTs, record['ts']);
    for (const raw of agents as MapAgentUpdate[]) {
      if (typeof raw?.id !== 'string' || !Array.isArray(raw.path)) continue;
      const known = this.agents.get(raw.id);
      const trail = full || !known ? [] : known.trail;
      trail.push(...raw.path);
      if (trail.length > TRAIL_POINTS * 2) trail.splice(0, trail.length - TRAIL_POINTS * 2);
      this.agents.set(raw.id, {
        id: raw.id,
        env: typeof raw.env === 'number' ? raw.env : undefined,
        label: String(raw.label ?? raw.id),
        color: typeof raw.color === 'string' ? raw.color : '#ffffff',
        extra: typeof raw.extra === 'string' ? raw.extra : undefined,
        map: raw.map,
        x: raw.x,
        y: raw.y,
        gx: typeof raw.gx === 'number' ? raw.gx : null,
        gy: typeof raw.gy === 'number' ? raw.gy : null,
        updatedAt: raw.updatedAt,
        trail,
      });
      // A full record's paths are trails (already counted in its `visits`); updates' are new visits.
      if (!full) for (let i = 0; i + 1 < raw.path.length; i += 2) this.#visit(raw.path[i]!, raw.path[i + 1]!, 1);
    }
    const visits = record['visits'];
    if (full && Array.isArray(visits)) for (let i = 0; i + 2 < visits.length; i += 3) this.#visit(visits[i] as number, visits[i + 1] as number, visits[i + 2] as number);
    this.version++;
  }

  #visit(gx: number, gy: number, n: number): void {
    if (!this.layout || !(gx >= 0 && gy >= 0 && gx < this.layout.width && gy < this.layout.height)) return;
    const cell = gy * this.layout.width + gx;
    const count = (this.visits.get(cell) ?? 0) + n;
    this.visits.set(cell, count);
    if (count > this.maxVisits) this.maxVisits = count;
  }

  isStale(agent: ViewAgent): boolean {
    return this.latestTs - agent.updatedAt > STALE_MS;
  }

  /** The placed agent nearest to global point (gx, gy) within `radius`, if any. */
  nearest(gx: number, gy: number, radius: number): ViewAgent | undefined {
    let best: ViewAgent | undefined;
    let bestD = radius * radius;
    for (const a of this.agents.values()) {
      if (a.gx === null || a.gy === null) continue;
      const d = (a.gx + 0.5 - gx) ** 2 + (a.gy + 0.5 - gy) ** 2;
      if (d <= bestD) {
        bestD = d;
        best = a;
      }
    }
    return best;
  }
}

function parseLayout(v: unknown): LayoutInfo | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { name, width, height } = v as Record<string, unknown>;
  if (typeof name !== 'string' || !Number.isInteger(width) || !Number.isInteger(height) || (width as number) < 1 || (height as number) < 1) return undefined;
  return { name, width: width as number, height: height as number };
}

/** What the hover label says about an agent: label, extra, and the place name when the layout gives one. */
export function describeAgent(a: ViewAgent, place?: string): string {
  const where = `${place ?? `map ${a.map}`} (${a.x}, ${a.y})`;
  return [a.label, a.extra, where].filter((s) => s !== undefined && s !== '').join(' — ');
}

/**
 * `GET api/map` (what the HTTP fallback can poll) as a `full` positions record, so the page
 * shows the map without a WebSocket too. Undefined when the body is not a map.
 */
export function fullFromApi(body: unknown, ts: number): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { layout, agents, visits } = body as { layout?: unknown; agents?: unknown; visits?: { cells?: unknown } };
  if (!Array.isArray(agents)) return undefined;
  const cells = Array.isArray(visits?.cells) ? (visits.cells as unknown[]) : [];
  return {
    type: 'positions',
    ts,
    full: true,
    layout,
    agents: agents.map((a: Record<string, unknown>) => ({ ...a, path: Array.isArray(a['trail']) ? (a['trail'] as unknown[]).flat() : [] })),
    visits: cells.flat(),
  };
}
