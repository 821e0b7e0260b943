#!/usr/bin/env node
/**
 * map-render/* — the Map view's world picture drawn from a Pokémon ROM (src/map/rom/): find the
 * tables, draw all 225 maps of the Kanto layout at 16 px a step (6976×7104), encode the 4-bit
 * PNG; the first start's cost (issue 26 asks ≤ 5 s) beside the cached start's (read the file).
 * Runs on Pokémon Yellow from the serverboy package; prints "skipped" without it.
 *
 *   npm run build && node bench/map-render.bench.mjs [--runs 5] [--json FILE]
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './args.mjs';
import { machine } from './machine.mjs';
import { layoutPath, loadLayout } from '../dist/map/layout.js';
import { renderWorld } from '../dist/map/rom/render.js';
import { findMapTables } from '../dist/map/rom/tables.js';
import { encodeWorldPng } from '../dist/map/rom/world-png.js';
import { cacheFile, RomBackground } from '../dist/map/rom-background.js';
import { silentLogger } from '../dist/log.js';
import { LAYOUTS_DIR } from '../dist/paths.js';

const args = benchArgs(import.meta.url, { json: { type: 'string' }, runs: { type: 'string', default: '5' }, filter: { type: 'string' } });
const YELLOW = 'node_modules/serverboy/roms/pokeyellow.gbc';
if (!existsSync(YELLOW)) {
  console.log('map-render: skipped (no node_modules/serverboy/roms/pokeyellow.gbc)');
  if (args.json) writeFileSync(args.json, JSON.stringify({ machine: machine(), results: [] }));
  process.exit(0);
}
const rom = new Uint8Array(readFileSync(YELLOW));
const layout = await loadLayout(layoutPath('kanto-map-layout', LAYOUTS_DIR));
const runs = Number(args.runs);

/** Milliseconds of each of `runs` calls of `fn` (awaited). */
async function time(fn) {
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b);
}

const cases = {
  'map-render/find-tables': () => findMapTables(rom),
  'map-render/draw-225-maps': () => renderWorld(rom, findMapTables(rom), layout),
  'map-render/draw-and-encode-png (first start, sync)': () => encodeWorldPng(renderWorld(rom, findMapTables(rom), layout)),
  'map-render/first-start (RomBackground, empty cache)': async () => {
    const bg = new RomBackground({ rom, sha1: 'bench', layout, cacheDir: mkdtempSync(join(tmpdir(), 'gbs-bench-map-')), log: silentLogger() });
    await bg.ready;
  },
};
const warm = mkdtempSync(join(tmpdir(), 'gbs-bench-map-'));
await new RomBackground({ rom, sha1: 'bench', layout, cacheDir: warm, log: silentLogger() }).ready;
cases['map-render/cached-start (RomBackground, cache hit)'] = async () => {
  const bg = new RomBackground({ rom, sha1: 'bench', layout, cacheDir: warm, log: silentLogger() });
  const outcome = await bg.ready;
  if (outcome.kind !== 'cached') throw new Error(`expected a cache hit, got ${outcome.kind}`);
};

const results = [];
for (const [name, fn] of Object.entries(cases)) {
  if (args.filter && !name.includes(args.filter)) continue;
  const ms = await time(fn);
  const median = ms[Math.floor(ms.length / 2)];
  results.push({ name, hz: 1000 / median, rme: 0, samples: ms.length, msPerOp: median, minMs: ms[0], maxMs: ms[ms.length - 1] });
  console.error(`  ${name}: median ${median.toFixed(1)} ms (min ${ms[0].toFixed(1)}, max ${ms[ms.length - 1].toFixed(1)}, ${ms.length} runs)`);
}
console.table(results.map((r) => ({ case: r.name, 'median ms': r.msPerOp.toFixed(1), 'min ms': r.minMs.toFixed(1), 'max ms': r.maxMs.toFixed(1) })));
const png = await readFile(cacheFile(warm, 'bench', 'kanto-map-layout'));
const first = results.find((r) => r.name.startsWith('map-render/first-start'));
const cached = results.find((r) => r.name.startsWith('map-render/cached-start'));
const ratios = first && cached ? { 'map-render first start / cached start': first.msPerOp / cached.msPerOp } : {};
console.log(`world picture: 6976×7104 px, ${png.byteLength} bytes PNG; first start ${first ? `${first.msPerOp.toFixed(0)} ms (budget 5000 ms)` : '-'}; load ${machine().loadavg.join(' ')}`);
if (args.json) writeFileSync(args.json, JSON.stringify({ machine: machine(), results, ratios }, null, 2));
