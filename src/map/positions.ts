/**
 * The Map view's model on the server: every agent's latest position, its recent trail, and how
 * often each global cell was visited. Fed by gbstream's own frames (through a memory map's
 * `position` declaration) and by StreamWrapper messages; read by `GET /api/map` and turned into
 * `positions` records. No sockets, no timers; time is injected.
 *
 * A visit is an arrival: a point counts when it differs from the agent's previous point, so an
 * agent standing still (sampled 10 times a second, or stepping into a wall) does not paint its
 * cell hot, and the points sent in `path` are exactly the ones counted — a viewer summing paths
 * gets the same heatmap as the server.
 */
import type { GameState, MapAgentUpdate, PositionsMessage } from '../protocol/messages.js';
import type { PositionSpec } from '../state/memory-map.js';
import { toGlobal, type MapLayout } from './layout.js';
import type { WrapperMessage } from './wrapper-message.js';

/** Agents kept; past it the one updated longest ago is forgotten. */
export const MAX_MAP_AGENTS = 4096;
/** Global points kept per agent for its trail. */
export const TRAIL_POINTS = 64;
/** New points kept per agent between two `positions` records (older ones still count as visits). */
export const MAX_PENDING_POINTS = 2048;

interface Agent extends Omit<MapAgentUpdate, 'path'> {
  /** Flattened recent global points, oldest first (at most TRAIL_POINTS). */
  trail: number[];
  /** Flattened global points since the last update record. */
  pending: number[];
  /** Last global point counted, as gy * width + gx, or -1. */
  last: number;
}

/** One agent as `GET /api/map` shows it. */
export interface ApiMapAgent extends Omit<MapAgentUpdate, 'path'> {
  trail: Array<[number, number]>;
}

/** What a `full` record keeps when it must fit a budget (map-feed.ts): newest agents, last trail points, most visited cells. */
export interface FullLimits {
  agents?: number;
  trailPoints?: number;
  cells?: number;
}

export interface MapPositionsOptions {
  layout: MapLayout;
  now?: () => number;
  maxAgents?: number;
}

export class MapPositions {
  readonly layout: MapLayout;
  readonly #now: () => number;
  readonly #max: number;
  readonly #agents = new Map<string, Agent>();
  readonly #dirty = new Set<string>();
  /** Agents forgotten since the last update record: viewers must drop them too. */
  readonly #removed = new Set<string>();
  #version = 0;
  /** Visit counts by gy * width + gx: sparse, since agents see a small part of a big canvas. */
  readonly #visits = new Map<number, number>();

  constructor(options: MapPositionsOptions) {
    this.layout = options.layout;
    this.#now = options.now ?? Date.now;
    this.#max = options.maxAgents ?? MAX_MAP_AGENTS;
  }

  get size(): number {
    return this.#agents.size;
  }

  /** Visited cells. */
  get cells(): number {
    return this.#visits.size;
  }

  /** Changes with everything `full()` would say differently (a cache key for snapshots). */
  get version(): number {
    return this.#version;
  }

  /** A published frame of gbstream env `env`: its position fields, if the frame has them. */
  fromFrame(env: number, state: GameState, spec: PositionSpec): void {
    const map = state[spec.map];
    const x = state[spec.x];
    const y = state[spec.y];
    // A placeholder frame (emulator fault) carries no state: nothing to place.
    if (map === undefined || x === undefined || y === undefined) return;
    // Before the game has a position (the title screen) the env is not placed at all; an env
    // that was placed and is back there (reset) leaves the map, and viewers drop its dot.
    if (!positionValid(state, spec)) {
      this.#forget(`env:${env}`);
      return;
    }
    const id = `env:${env}`;
    const known = this.#agents.get(id);
    // Every published frame lands here (10 a second per env): one that shows the env where it
    // was keeps the version, so a joining viewer's snapshot (map-feed.ts) stays cached.
    const still = known !== undefined && known.map === map && known.x === x && known.y === y;
    const agent = this.#agent(id, () => ({ env, envId: env, label: `env ${env}`, color: paletteColour(env) }));
    this.#move(agent, map, x, y, !still);
  }

  /** One StreamWrapper message: its agent is `(user, env_id)`; every coordinate is walked. */
  fromWrapper(message: WrapperMessage): void {
    const user = message.user ?? 'anonymous';
    const envId = message.envId ?? null;
    const id = `ws:${user}:${envId ?? ''}`;
    const agent = this.#agent(id, () => ({ envId, user, label: envId === null ? user : `${user} #${envId}`, color: message.color ?? paletteColour(hash(id)) }));
    if (message.color) agent.color = message.color;
    if (message.extra !== undefined) agent.extra = message.extra;
    if (message.coords.length === 0) {
      agent.updatedAt = this.#now();
      this.#dirty.add(id);
      this.#version++;
    }
    for (const [x, y, map] of message.coords) this.#move(agent, map, x, y);
  }

  /** Drops agent `id` (its cells' visits stay counted); the next update record names it in `removed`. */
  #forget(id: string): void {
    if (!this.#agents.delete(id)) return;
    this.#dirty.delete(id);
    this.#removed.add(id);
    this.#version++;
  }

  #agent(id: string, create: () => Pick<Agent, 'envId' | 'label' | 'color'> & Partial<Agent>): Agent {
    let agent = this.#agents.get(id);
    if (agent) {
      // Most recently updated last, so the first key is the one to forget when full.
      this.#agents.delete(id);
      this.#agents.set(id, agent);
      return agent;
    }
    if (this.#agents.size >= this.#max) this.#forget(this.#agents.keys().next().value as string);
    agent = { id, map: 0, x: 0, y: 0, gx: null, gy: null, updatedAt: this.#now(), trail: [], pending: [], last: -1, ...create() };
    this.#agents.set(id, agent);
    return agent;
  }

  /** @param changed false when the agent stands where it was: `updatedAt` alone is no new version. */
  #move(agent: Agent, map: number, x: number, y: number, changed = true): void {
    agent.map = map;
    agent.x = x;
    agent.y = y;
    agent.updatedAt = this.#now();
    this.#dirty.add(agent.id);
    if (changed) this.#version++;
    const g = toGlobal(this.layout, map, x, y);
    agent.gx = g?.gx ?? null;
    agent.gy = g?.gy ?? null;
    if (!g) return;
    const cell = g.gy * this.layout.width + g.gx;
    if (cell === agent.last) return;
    agent.last = cell;
    this.#visits.set(cell, (this.#visits.get(cell) ?? 0) + 1);
    agent.trail.push(g.gx, g.gy);
    if (agent.trail.length > TRAIL_POINTS * 2) agent.trail.splice(0, agent.trail.length - TRAIL_POINTS * 2);
    agent.pending.push(g.gx, g.gy);
    if (agent.pending.length > MAX_PENDING_POINTS * 2) agent.pending.splice(0, agent.pending.length - MAX_PENDING_POINTS * 2);
  }

  /** The agents updated since the previous call, with their new points, and those forgotten; undefined when none. */
  takeUpdate(): PositionsMessage | undefined {
    if (this.#dirty.size === 0 && this.#removed.size === 0) return undefined;
    const agents: MapAgentUpdate[] = [];
    for (const id of this.#dirty) {
      const agent = this.#agents.get(id);
      if (!agent) continue;
      agents.push(update(agent, agent.pending));
      agent.pending = [];
    }
    this.#dirty.clear();
    const removed = [...this.#removed];
    this.#removed.clear();
    return { type: 'positions', ts: this.#now(), layout: this.#layoutInfo(), agents, ...(removed.length > 0 ? { removed } : {}) };
  }

  /**
   * Everything: every agent with its trail, and every visit count (a recording keyframe); with
   * `limits`, only the most recently updated agents, their last trail points and the most visited
   * cells (a joining viewer's snapshot, map-feed.ts), marked `truncated` when anything was left out.
   */
  full(limits: FullLimits = {}): PositionsMessage {
    const w = this.layout.width;
    let cells: Iterable<[number, number]> = this.#visits;
    let truncated = false;
    if (limits.cells !== undefined && this.#visits.size > limits.cells) {
      cells = hottest(this.#visits, Math.max(0, limits.cells));
      truncated = true;
    }
    const visits: number[] = [];
    for (const [cell, n] of cells) visits.push(cell % w, Math.floor(cell / w), n);
    let kept = [...this.#agents.values()]; // least recently updated first
    if (limits.agents !== undefined && kept.length > limits.agents) {
      kept = limits.agents > 0 ? kept.slice(-limits.agents) : [];
      truncated = true;
    }
    const points = Math.max(0, limits.trailPoints ?? TRAIL_POINTS);
    const agents = kept.map((a) => {
      if (a.trail.length <= points * 2) return update(a, a.trail);
      truncated = true;
      return update(a, points > 0 ? a.trail.slice(-points * 2) : []);
    });
    return { type: 'positions', ts: this.#now(), layout: this.#layoutInfo(), agents, full: true, visits, ...(truncated ? { truncated } : {}) };
  }

  /** The body of `GET /api/map`. */
  json(): { layout: PositionsMessage['layout']; agents: ApiMapAgent[]; visits: { cells: Array<[number, number, number]>; max: number } } {
    const agents = [...this.#agents.values()].map(({ trail, pending: _p, last: _l, ...rest }) => ({ ...rest, trail: pairs(trail) }));
    const cells: Array<[number, number, number]> = [];
    let max = 0;
    for (const [cell, n] of this.#visits) {
      cells.push([cell % this.layout.width, Math.floor(cell / this.layout.width), n]);
      if (n > max) max = n;
    }
    return { layout: this.#layoutInfo(), agents, visits: { cells, max } };
  }

  #layoutInfo(): PositionsMessage['layout'] {
    return { name: this.layout.name, width: this.layout.width, height: this.layout.height };
  }
}

function update(agent: Agent, path: number[]): MapAgentUpdate {
  const { trail: _t, pending: _p, last: _l, ...rest } = agent;
  return { ...rest, path: [...path] };
}

/**
 * The `k` most visited cells, hottest first, in linear time: counts are small integers, so a
 * histogram finds the count at the cut (a sort of 250,000 cells took ~100 ms on the main thread).
 */
export function hottest(visits: ReadonlyMap<number, number>, k: number): Array<[number, number]> {
  const histogram = new Map<number, number>();
  for (const n of visits.values()) histogram.set(n, (histogram.get(n) ?? 0) + 1);
  const counts = [...histogram.keys()].sort((a, b) => b - a);
  let threshold = 0;
  let above = 0;
  for (const n of counts) {
    if (above + histogram.get(n)! > k) {
      threshold = n;
      break;
    }
    above += histogram.get(n)!;
  }
  const out: Array<[number, number]> = [];
  let atThreshold = k - above;
  for (const [cell, n] of visits) {
    if (n > threshold) out.push([cell, n]);
    else if (n === threshold && atThreshold > 0) {
      out.push([cell, n]);
      atThreshold--;
    }
  }
  return out.sort((a, b) => b[1] - a[1]);
}

function pairs(flat: number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

/** A distinct, readable colour per index: hues a golden angle apart. */
export function paletteColour(index: number): string {
  const hue = (index * 137.508) % 360;
  return hslToHex(hue, 0.75, 0.55);
}

function hslToHex(h: number, s: number, l: number): string {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return `#${[f(0), f(8), f(4)].map((v) => Math.round(v * 255).toString(16).padStart(2, '0')).join('')}`;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Whether a state's position is one the game has set, as the memory map's `valid_when` says. */
export function positionValid(state: GameState, spec: PositionSpec): boolean {
  const fields = spec.valid_when?.any_nonzero;
  return fields === undefined || fields.some((f) => state[f] !== undefined && state[f] !== 0);
}
