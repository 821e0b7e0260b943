#!/usr/bin/env node
/**
 * Runs every benchmark suite in turn and prints their tables; `--json FILE` merges their results
 * into one { machine, results, ratios } file. `--filter NAME` runs only cases whose name contains
 * NAME (suite names: encode, png, record, emulator, pipeline, libretro, fanout).
 *
 *   npm run bench -- [--filter encode] [--json bench-results.json] [--quick]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machine } from './machine.mjs';

const { values: args } = parseArgs({
  options: { filter: { type: 'string' }, json: { type: 'string' }, quick: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
});
if (args.help) {
  console.log('usage: npm run bench -- [--filter NAME] [--json FILE] [--quick]\n  suites: encode/*, png/*, record/*, emulator/* + pipeline/*, libretro/*, fanout/*');
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'gbstream-bench-'));
const suites = [
  { name: 'encode', script: 'bench/encode.bench.mjs', prefixes: ['encode'] },
  { name: 'png', script: 'bench/png.bench.mjs', prefixes: ['png'] },
  { name: 'record', script: 'bench/record.bench.mjs', prefixes: ['record'] },
  { name: 'emulator', script: 'bench/emulator.bench.mjs', prefixes: ['emulator', 'pipeline'], extra: args.quick ? ['--seconds', '4'] : [] },
  { name: 'libretro', script: 'bench/libretro.bench.mjs', prefixes: ['libretro'], extra: ['--seconds', args.quick ? '3' : '6'] },
  { name: 'fanout', script: 'bench/load.mjs', prefixes: ['fanout'], extra: ['--viewers', args.quick ? '1,10,100' : '1,10,100,500', '--seconds', args.quick ? '5' : '10'] },
];

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
