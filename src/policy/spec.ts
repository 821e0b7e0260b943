/** A policy as configuration (what `--policy` names), and the one function that builds it. */
import { idlePolicy, type Policy } from './policy.js';
import { randomPolicy } from './random.js';
import { loadScriptPolicy } from './script.js';

export type PolicySpec = { kind: 'idle' } | { kind: 'random' } | { kind: 'script'; file: string };

/** @throws ConfigError when a script file can't be read or parsed. */
export async function makePolicy(spec: PolicySpec, seed: number): Promise<Policy> {
  switch (spec.kind) {
    case 'idle':
      return idlePolicy;
    case 'random':
      return randomPolicy(seed);
    case 'script':
      return loadScriptPolicy(spec.file);
  }
}
