/**
 * Which envs exist and which one has the focus: frames are routed by their `env`, the focused
 * env drives the big canvas, the state panel, the stats and `input`. Remembers each env's latest
 * state so switching the focus shows it at once, without waiting for the next frame.
 */
export type EnvState = Record<string, unknown>;

export interface Routed {
  env: number;
  focused: boolean;
}

/** Most envs the page shows (a hub holds up to 1,024 published envs by default). */
export const MAX_ENVS = 4096;

export class EnvFocus {
  #count = 1;
  #focused = 0;
  readonly #states = new Map<number, EnvState>();

  get count(): number {
    return this.#count;
  }

  get focused(): number {
    return this.#focused;
  }

  /** More than one env: the page shows the grid. */
  get multi(): boolean {
    return this.#count > 1;
  }

  /** Sets the number of envs (from `hello.envs` or `/api/health`); keeps the focus when it still exists. */
  setCount(count: unknown): void {
    this.#count = typeof count === 'number' && Number.isInteger(count) && count >= 1 ? Math.min(count, MAX_ENVS) : 1;
    if (this.#focused >= this.#count) this.#focused = 0;
    for (const env of this.#states.keys()) if (env >= this.#count) this.#states.delete(env);
  }

  /** Moves the focus; false when `env` does not exist or already has it. */
  focus(env: number): boolean {
    if (!this.has(env) || env === this.#focused) return false;
    this.#focused = env;
    return true;
  }

  has(env: number): boolean {
    return Number.isInteger(env) && env >= 0 && env < this.#count;
  }

  /**
   * Where a frame goes. A frame without `env` is env 0 (servers before multi-env); an env the
   * page was not told about is dropped (undefined) rather than drawn somewhere wrong.
   */
  route(env: unknown): Routed | undefined {
    const e = env === undefined ? 0 : env;
    if (typeof e !== 'number' || !this.has(e)) return undefined;
    return { env: e, focused: e === this.#focused };
  }

  setState(env: number, state: EnvState): void {
    if (this.has(env)) this.#states.set(env, state);
  }

  stateOf(env: number): EnvState | undefined {
    return this.#states.get(env);
  }
}

export interface EnvSpeed {
  speed: number;
  emuFps?: number;
  fps?: number;
}

/**
 * The emulator numbers to show for `env` from a `stats` record: its own entry in `envs` when the
 * server sends per-env numbers (more than one env), else the record's overall ones.
 */
export function statsForEnv(record: Record<string, unknown>, env: number): EnvSpeed | undefined {
  const list = record['envs'];
  if (Array.isArray(list)) {
    const own = list.find((e: unknown) => typeof e === 'object' && e !== null && (e as { env?: unknown }).env === env) as Record<string, unknown> | undefined;
    if (own && typeof own['speed'] === 'number') return { speed: own['speed'], emuFps: own['emuFps'] as number | undefined, fps: own['fps'] as number | undefined };
  }
  return typeof record['speed'] === 'number' ? { speed: record['speed'], emuFps: record['emuFps'] as number | undefined, fps: record['fps'] as number | undefined } : undefined;
}
