/**
 * Layers import downward only (DESIGN.md §9, README "Layout"). Parses every import under src/
 * and fails on an import of a higher layer, so a shortcut shows up in review, not in a worker
 * thread that suddenly loads commander.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve('src');

/** Lowest first. A module may import its own layer and those below it. */
export const LAYERS: ReadonlyArray<readonly string[]> = [
  ['protocol/'],
  ['config-error.ts', 'log.ts', 'native-addon.ts', 'paths.ts', 'version.ts', 'types/'],
  ['rom/', 'state/', 'encode/', 'emulator/', 'sampler/', 'policy/', 'map/'],
  ['pipeline.ts'],
  ['envs/'],
  ['record/', 'replay/', 'agent/', 'store/'],
  ['server/', 'http/', 'hub/'],
  ['sources/', 'cluster/'],
  ['app/', 'index.ts'],
  ['cli/'],
];

/** Pairs kept apart although the order would allow them (the server takes an interface instead). */
const FORBIDDEN: ReadonlyArray<readonly [string, string]> = [['server/', 'agent/']];

/** The layer entry (`folder/` or `file.ts`) of a path relative to src/. */
function unitOf(path: string): string {
  const i = path.indexOf('/');
  return i < 0 ? path : path.slice(0, i + 1);
}

function layerOf(unit: string): number {
  const layer = LAYERS.findIndex((l) => l.includes(unit));
  if (layer < 0) throw new Error(`src/${unit} is in no layer: add it to LAYERS in test/layers.test.ts (and the README's Layout)`);
  return layer;
}

/** Relative specifiers a TypeScript module imports or re-exports (static and dynamic). */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.[^'"]+)['"]|(?:^|\n)\s*import\s*['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    found.push((m[1] ?? m[2] ?? m[3])!);
  }
  return found;
}

/** "a.ts → b.ts" for every import of a higher layer (or a forbidden pair), given file → source. */
export function badImports(files: ReadonlyMap<string, string>): string[] {
  const bad: string[] = [];
  for (const [file, source] of files) {
    const from = unitOf(file);
    for (const spec of importsOf(source)) {
      const target = relative('.', join(dirname(file), spec)).replace(/\.js$/, '.ts');
      const to = unitOf(target);
      if (from === to) continue;
      if (layerOf(to) > layerOf(from)) bad.push(`${file} → ${target} (layer ${layerOf(to)} above ${layerOf(from)})`);
      if (FORBIDDEN.some(([a, b]) => a === from && b === to)) bad.push(`${file} → ${target} (${from} must not import ${to})`);
    }
  }
  return bad;
}

function sourceTree(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourceTree(path, out);
    else if (entry.name.endsWith('.ts')) out.set(relative(SRC, path), readFileSync(path, 'utf8'));
  }
  return out;
}

describe('layers', () => {
  it('finds an upward import, a forbidden pair and a dynamic import (the check can fail)', () => {
    const files = new Map([
      ['envs/x.ts', "import type { A } from '../cli/options.js';\nimport { b } from '../pipeline.js';"],
      ['server/y.ts', "import type { AgentHost } from '../agent/agent-host.js';"],
      ['protocol/z.ts', "const m = await import('../log.js');"],
      ['rom/w.ts', "export { c } from '../app/serve.js';"],
    ]);
    expect(badImports(files)).toEqual([
      'envs/x.ts → cli/options.ts (layer 9 above 4)',
      'server/y.ts → agent/agent-host.ts (server/ must not import agent/)',
      'protocol/z.ts → log.ts (layer 1 above 0)',
      'rom/w.ts → app/serve.ts (layer 8 above 2)',
    ]);
  });

  it('every module under src/ imports only its own layer and those below', () => {
    const files = sourceTree(SRC);
    expect(files.size).toBeGreaterThan(50);
    expect(badImports(files)).toEqual([]);
  });
});
