/** Protocol v1, server → client: where the Map view's agents are (`positions` records). */

/**
 * One agent on the Map view: a gbstream env (with `env`, whose video can be focused) or a trainer's
 * StreamWrapper on `/broadcast` (with `user`). Positions are local (`map`, `x`, `y`) and global
 * (`gx`, `gy` on the layout's canvas; null when the layout has no place for that map).
 */
export interface MapAgentUpdate {
  /** Stable key: `env:N` for gbstream envs, `ws:USER:ENV_ID` for StreamWrapper agents. */
  id: string;
  /** The gbstream env whose video this agent is, when it has one. */
  env?: number;
  /** The trainer's env id (StreamWrapper `env_id`), or the gbstream env number. */
  envId: number | string | null;
  user?: string;
  label: string;
  /** CSS colour `#rrggbb`. */
  color: string;
  extra?: string;
  map: number;
  x: number;
  y: number;
  gx: number | null;
  gy: number | null;
  /**
   * Global points, oldest first, flattened `[gx0, gy0, gx1, gy1, …]`: the points visited since the
   * previous `positions` record, or in a `full` record the agent's recent trail.
   */
  path: number[];
  /** Last update, ms since epoch. */
  updatedAt: number;
}

/**
 * Where the Map view's agents are. Sent a few times a second with the agents that moved (their
 * new points in `path`) and those forgotten (`removed`), and recorded, so replays show the map. A
 * `full` record (sent to a viewer that joins, cut to a byte budget, and written whole to
 * recordings now and then so a seek recovers) carries every agent with its trail and the visit
 * counts so far; a viewer replaces what it had with it.
 */
export interface PositionsMessage {
  type: 'positions';
  ts: number;
  /** The layout the global positions are on: its name and canvas size in position units. */
  layout: { name: string; width: number; height: number };
  agents: MapAgentUpdate[];
  full?: boolean;
  /**
   * With `full`: the record was cut to fit the joining viewer's byte budget (the most recently
   * updated agents, shorter trails, the most visited cells); the rest shows up as agents move.
   * `GET /api/map` has everything.
   */
  truncated?: boolean;
  /** With `full`: visit counts, flattened `[gx, gy, count, …]` for every visited cell (the most visited, when `truncated`). */
  visits?: number[];
  /**
   * Agents the server forgot since the previous record (the oldest go when it holds
   * MAX_MAP_AGENTS): a viewer drops them before applying `agents`, which may bring an id back.
   */
  removed?: string[];
}
