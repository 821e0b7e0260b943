/**
 * Every bench is a command: `--help` says what it measures and how to run it (exit 0), and a flag
 * it does not know is one line, not a stack trace (exit non-zero). Nothing is measured here.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BENCH = resolve(import.meta.dirname, '..', 'bench');
/** Modules the benches import, not commands. */
const LIBRARIES = new Set(['machine.mjs', 'args.mjs']);
const scripts = readdirSync(BENCH).filter((f) => f.endsWith('.mjs') && !LIBRARIES.has(f));

function run(file: string, args: string[]) {
  return spawnSync(process.execPath, [join(BENCH, file), ...args], { encoding: 'utf8', timeout: 30_000 });
}

describe('bench/*.mjs', () => {
  it.each(scripts)('%s --help says how to run it', (file) => {
    const out = run(file, ['--help']);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/usage|options/i);
  });

  it.each(scripts)('%s refuses an unknown flag in one line', (file) => {
    const out = run(file, ['--no-such-flag']);
    expect(out.status).not.toBe(0);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it('inputlog.bench.mjs --help prints its header comment without the comment margins', () => {
    const out = run('inputlog.bench.mjs', ['--help']);
    expect(out.stdout).toMatch(/^inputlog\/\* — what an input-log recording costs/);
    expect(out.stdout).not.toMatch(/^\s*\*/m);
  });
});
