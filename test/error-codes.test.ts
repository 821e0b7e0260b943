/**
 * Every `GBS_…` code is defined once, in src/protocol/constants.ts: a code written anywhere else
 * (server, viewer, native addon, Python package and agent example) must be one of those.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_ERROR_CODES, ErrorCode, EventCode } from '../src/protocol/constants.js';

const ROOTS = ['src', 'web/src', 'native/src', 'examples', 'python/gbstream'];

function filesUnder(dir: string, out: string[] = []): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out; // a root this checkout doesn't have
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) filesUnder(path, out);
    else if (/\.(ts|c|h|py|mjs|js)$/.test(e.name)) out.push(path);
  }
  return out;
}

/** `GBS_…` codes written in `text` (a prefix such as `GBS_ERR_ROM_*` in a comment is not a code). */
export function codesIn(text: string): string[] {
  return [...text.matchAll(/\bGBS_[A-Z0-9_]*[A-Z0-9]\b(?!_|\*)/g)].map((m) => m[0]);
}

describe('error and event codes', () => {
  const defined = [...Object.values(ErrorCode), ...CONFIG_ERROR_CODES, ...Object.values(EventCode)];

  it('are defined once', () => {
    expect(new Set(defined).size).toBe(defined.length);
  });

  it('finds codes in text (the check below can fail)', () => {
    expect(codesIn("throw new ConfigError('GBS_ERR_NOPE', 'x'); // GBS_ERR_ROM_* codes")).toEqual(['GBS_ERR_NOPE']);
  });

  it('every code used in src/, web/src, native/src, examples/ and python/gbstream is in protocol/constants.ts', () => {
    const unknown: string[] = [];
    for (const file of ROOTS.flatMap((root) => filesUnder(root))) {
      for (const code of codesIn(readFileSync(file, 'utf8'))) if (!defined.includes(code as never)) unknown.push(`${file}: ${code}`);
    }
    expect(unknown).toEqual([]);
  });
});
