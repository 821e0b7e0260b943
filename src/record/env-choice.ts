/**
 * Which envs a recording keeps (`--record-envs`): a comma-separated list of env ids (`3`), ranges
 * (`0-15`), `local` (this server's own envs: its emulators and publishers' envs), `remote` (other
 * cluster nodes' envs) and `node:NAME` (one node's envs). Pure: parsed once, then matched against
 * env descriptions.
 */
import { ConfigError } from '../config-error.js';
import type { EnvInfo } from '../protocol/messages.js';

export type EnvChoiceItem = { kind: 'range'; from: number; to: number } | { kind: 'local' } | { kind: 'remote' } | { kind: 'node'; node: string };
export type EnvChoice = readonly EnvChoiceItem[];

/** @throws ConfigError('GBS_ERR_RECORD') quoting the item that is none of the forms above. */
export function parseEnvChoice(text: string): EnvChoice {
  const items = text.split(',').map((s) => s.trim());
  return items.map((item): EnvChoiceItem => {
    if (item === 'local' || item === 'remote') return { kind: item };
    const node = /^node:([A-Za-z0-9_-]{1,64})$/.exec(item);
    if (node) return { kind: 'node', node: node[1]! };
    const range = /^(\d{1,6})(?:-(\d{1,6}))?$/.exec(item);
    if (range) {
      const from = Number(range[1]);
      const to = Number(range[2] ?? range[1]);
      if (to >= from) return { kind: 'range', from, to };
    }
    throw new ConfigError('GBS_ERR_RECORD', `Expected \`record-envs\` to be a comma-separated list of env ids, ranges (0-15), local, remote or node:NAME, got \`${item}\` in \`${text}\`.`);
  });
}

export function envChosen(choice: EnvChoice, env: Pick<EnvInfo, 'env' | 'source' | 'node'>): boolean {
  return choice.some((c) => {
    switch (c.kind) {
      case 'range':
        return env.env >= c.from && env.env <= c.to;
      case 'local':
        return env.source !== 'remote';
      case 'remote':
        return env.source === 'remote';
      case 'node':
        return env.node === c.node;
    }
  });
}

/**
 * The chosen ids among `envs()`, looked up again at most every `refreshMs` (envs come and go;
 * a frame must not pay for a walk of every source).
 */
export class ChosenEnvs {
  readonly #choice: EnvChoice;
  readonly #envs: () => ReadonlyArray<Pick<EnvInfo, 'env' | 'source' | 'node'>>;
  readonly #now: () => number;
  readonly #refreshMs: number;
  #ids = new Set<number>();
  #at = -Infinity;

  constructor(choice: EnvChoice, envs: () => ReadonlyArray<Pick<EnvInfo, 'env' | 'source' | 'node'>>, now: () => number = Date.now, refreshMs = 1000) {
    this.#choice = choice;
    this.#envs = envs;
    this.#now = now;
    this.#refreshMs = refreshMs;
  }

  ids(): ReadonlySet<number> {
    const now = this.#now();
    if (now - this.#at >= this.#refreshMs) {
      this.#ids = new Set(this.#envs().filter((e) => envChosen(this.#choice, e)).map((e) => e.env));
      this.#at = now;
    }
    return this.#ids;
  }

  has(env: number): boolean {
    return this.ids().has(env);
  }
}
