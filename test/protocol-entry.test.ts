/**
 * `gbstream/protocol` is light: a client that imports it loads none of sharp, serverboy, ws, pino
 * or commander. Checked in a fresh node process that imports the package by name (as a user
 * would) and lists every module it loaded: ESM through a resolve hook, CommonJS through
 * require.cache.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const HOOKS = new URL('./helpers/import-log-hooks.mjs', import.meta.url).href;

const HEAVY = ['sharp', 'serverboy', 'ws', 'pino', 'commander'];

/** The npm packages a new node process has loaded after `import(specifier)`. */
function packagesLoadedBy(specifier: string): string[] {
  const logFile = join(mkdtempSync(join(tmpdir(), 'gbs-imports-')), 'esm.log');
  const register = `import { register } from 'node:module'; register(${JSON.stringify(HOOKS)}, { data: { logFile: ${JSON.stringify(logFile)} } });`;
  const script = `
    import { createRequire } from 'node:module';
    const m = await import(${JSON.stringify(specifier)});
    console.log(JSON.stringify({ exports: Object.keys(m), cjs: Object.keys(createRequire(process.cwd() + '/').cache) }));`;
  const out = execFileSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', script], { encoding: 'utf8' });
  const { exports, cjs } = JSON.parse(out) as { exports: string[]; cjs: string[] };
  expect(exports.length).toBeGreaterThan(5);
  const esm = readFileSync(logFile, 'utf8').split('\n').map((url) => decodeURIComponent(url));
  const packages = [...esm, ...cjs].map((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1]);
  return [...new Set(packages.filter((p): p is string => p !== undefined))];
}

describe('package entry points', () => {
  it('gbstream/protocol gives the codec, reader and constants and loads no heavy dependency', async () => {
    const loaded = packagesLoadedBy('gbstream/protocol');
    expect(loaded.filter((p) => HEAVY.includes(p))).toEqual([]);
    const protocol = await import('../src/protocol/index.js');
    expect(Object.keys(protocol)).toEqual(expect.arrayContaining(['encodeRecord', 'decodeRecords', 'RecordReader', 'PROTOCOL_VERSION', 'ErrorCode', 'GbsError', 'BUTTONS']));
  });

  it('the main entry loads the stages (the check above can fail) but not the CLI', () => {
    const loaded = packagesLoadedBy('gbstream');
    expect(loaded).toEqual(expect.arrayContaining(['sharp', 'serverboy', 'ws']));
    expect(loaded).not.toContain('commander');
  });
});
