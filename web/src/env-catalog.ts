/**
 * What the viewer knows about every env when there are many: its label, whether it is live, its
 * latest state (from frames and `states` records). Decides the grid's order and filter, and
 * which env is "best" by a state field. Pure: no DOM, unit-tested.
 */
import type { EnvInfo } from '../../src/protocol/messages.js';

export type EnvEntry = Pick<EnvInfo, 'env' | 'label' | 'live' | 'source' | 'can'>;

/** How the grid is ordered: by env id, by label, or by a state field (highest first). */
export type SortKey = { kind: 'env' } | { kind: 'label' } | { kind: 'field'; field: string };

/** A filter typed by the user: a label substring, or `field>n`, `field<n`, `field=n`. */
export type Filter = { kind: 'none' } | { kind: 'label'; text: string } | { kind: 'field'; field: string; op: '>' | '<' | '='; value: number };

/** Parses the filter box. Anything that is not `field op number` is a label substring. */
export function parseFilter(text: string): Filter {
  const t = text.trim();
  if (t === '') return { kind: 'none' };
  const m = /^([A-Za-z_][\w.]*)\s*(>|<|=)\s*(-?\d+(?:\.\d+)?)$/.exec(t);
  if (m) return { kind: 'field', field: m[1]!, op: m[2] as '>' | '<' | '=', value: Number(m[3]) };
  return { kind: 'label', text: t.toLowerCase() };
}

export class EnvCatalog {
  #entries: EnvEntry[] = [];
  #listed = false;
  readonly #states = new Map<number, Record<string, unknown>>();
  readonly #fields = new Set<string>();

  get size(): number {
    return this.#entries.length;
  }

  /** Whether the server listed its envs (then ids may have gaps: a cluster's remote envs come after a range). */
  get listed(): boolean {
    return this.#listed;
  }

  /** From `hello.envList` or a `GBS_ENVS_CHANGED` event; or, without a list, envs 0..count-1. */
  setList(list: readonly EnvEntry[] | undefined, count: number): void {
    this.#listed = list !== undefined;
    this.#entries = list
      ? list.map(({ env, label, live, source, can }) => ({ env, label, live, source, ...(can && { can }) }))
      : Array.from({ length: count }, (_, env) => ({ env, label: `env ${env}`, live: true, source: 'local' as const }));
    const known = new Set(this.#entries.map((e) => e.env));
    for (const env of this.#states.keys()) if (!known.has(env)) this.#states.delete(env);
  }

  entry(env: number): EnvEntry | undefined {
    return this.#entries.find((e) => e.env === env);
  }

  setState(env: number, state: Record<string, unknown>): void {
    this.#states.set(env, state);
    for (const [k, v] of Object.entries(state)) if (typeof v === 'number') this.#fields.add(k);
  }

  /** Every numeric state field seen so far, sorted: the choices for sort and follow. */
  fields(): string[] {
    return [...this.#fields].sort();
  }

  #value(env: number, field: string): number | undefined {
    const v = this.#states.get(env)?.[field];
    return typeof v === 'number' ? v : undefined;
  }

  /** The envs to show, in order: filtered, then sorted (envs without the field last). */
  view(filter: Filter, sort: SortKey): EnvEntry[] {
    const shown = this.#entries.filter((e) => this.#matches(e, filter));
    if (sort.kind === 'label') return shown.sort((a, b) => a.label.localeCompare(b.label, undefined, { numeric: true }) || a.env - b.env);
    if (sort.kind === 'field') {
      const v = (e: EnvEntry) => this.#value(e.env, sort.field) ?? -Infinity;
      return shown.sort((a, b) => v(b) - v(a) || a.env - b.env);
    }
    return shown;
  }

  /** The live env with the highest `field` (the lowest id on a tie), if any has it. */
  best(field: string): number | undefined {
    let best: { env: number; v: number } | undefined;
    for (const e of this.#entries) {
      if (!e.live) continue;
      const v = this.#value(e.env, field);
      if (v !== undefined && (!best || v > best.v)) best = { env: e.env, v };
    }
    return best?.env;
  }

  #matches(e: EnvEntry, f: Filter): boolean {
    switch (f.kind) {
      case 'none':
        return true;
      case 'label':
        return e.label.toLowerCase().includes(f.text) || String(e.env) === f.text;
      case 'field': {
        const v = this.#value(e.env, f.field);
        if (v === undefined) return false;
        return f.op === '>' ? v > f.value : f.op === '<' ? v < f.value : v === f.value;
      }
    }
  }
}
