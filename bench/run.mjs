#!/usr/bin/env node
/**
 * Runs every benchmark suite in turn and prints their tables; `--json FILE` merges their results
 * into one { machine, results, ratios } file. `--filter NAME` runs only cases whose name contains
 * NAME (suite names: bench/suites.json, the one list `gbstream bench --help` prints too).
 *
 *   npm run bench -- [--filter encode] [--json bench-results.json] [--quick]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgsOrExit } from './args.mjs';
import { machine } from './machine.mjs';

const { values: args } = parseArgsOrExit(import.meta.url, {
  options: { filter: { type: 'string' }, json: { type: 'string' }, quick: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
});
/** { name, script, prefixes, args, quickArgs } per suite, in run order. */
const suites = JSON.parse(readFileSync(new URL('./suites.json', import.meta.url), 'utf8')).map((s) => ({ ...s, extra: args.quick ? s.quickArgs : s.args }));
if (args.help) {
  console.log(`usage: npm run bench -- [--filter NAME] [--json FILE] [--quick]\n  suites: ${suites.map((s) => s.prefixes.map((p) => `${p}/*`).join(' + ')).join(', ')}`);
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'gbstream-bench-'));

const merged = { machine: machine(), results: [], ratios: {} };
for (const suite of suites) {
  const wanted = !args.filter || suite.prefixes.some((p) => p.includes(args.filter) || args.filter.startsWith(p));
  if (!wanted) continue;
  console.log(`\n== ${suite.name} (${suite.script})`);
  const out = join(dir, `${suite.name}.json`);
  const filter = args.filter && !suite.prefixes.includes(args.filter) ? ['--filter', args.filter] : [];
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [suite.script, '--json', out, ...filter, ...(suite.extra ?? [])], { stdio: 'inherit' });
    child.on('exit', resolve);
  });
  if (code !== 0) {
    console.error(`bench: ${suite.name} failed (exit ${code})`);
    process.exitCode = 1;
    continue;
  }
  const data = JSON.parse(readFileSync(out, 'utf8'));
  merged.results.push(...data.results);
  Object.assign(merged.ratios, data.ratios ?? {});
}
if (args.json) {
  writeFileSync(args.json, JSON.stringify(merged, null, 2));
  console.log(`\nwrote ${args.json}`);
}
