/**
 * `npm run build` (which `npm test` runs first) empties dist/ before compiling, so dist/ holds
 * exactly the modules src/ has: a module deleted or renamed in src/ can't linger in dist/ and keep
 * an import that should fail working (worker threads load dist/ even when tests run src/).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/paths.js';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('dist/', () => {
  it('holds one compiled module for each module in src/, and nothing else', () => {
    const dist = join(PACKAGE_ROOT, 'dist');
    expect(existsSync(dist)).toBe(true);
    const compiled = files(dist)
      .filter((f) => f.endsWith('.js'))
      .map((f) => relative(dist, f).replace(/\.js$/, ''));
    const sources = files(join(PACKAGE_ROOT, 'src'))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
      .map((f) => relative(join(PACKAGE_ROOT, 'src'), f).replace(/\.ts$/, ''));
    expect(compiled.sort()).toEqual(sources.sort());
  });
});
