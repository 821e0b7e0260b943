#!/usr/bin/env node
/**
 * map/* — the Map view's server side alone: parse one StreamWrapper message (500 steps, the
 * size pokemonred_puffer sends), walk 288 agents' uploads into the model, and build + encode the
 * `positions` record 288 moving agents make (the record viewers get four times a second).
 *
 *   npm run build && node bench/map.bench.mjs [--json FILE]
 */
import Benchmark from 'benchmark';
import { writeFileSync } from 'node:fs';
import { benchArgs } from './args.mjs';
import { machine } from './machine.mjs';
import { layoutPath, loadLayout } from '../dist/map/layout.js';
import { MapPositions } from '../dist/map/positions.js';
import { parseWrapperMessage } from '../dist/map/wrapper-message.js';
import { LAYOUTS_DIR } from '../dist/paths.js';
import { encodeRecord } from '../dist/protocol/record.js';

const args = benchArgs(import.meta.url, { json: { type: 'string' }, filter: { type: 'string' } });

const layout = await loadLayout(layoutPath('kanto-map-layout', LAYOUTS_DIR));
/** A 500-step walk on map `m`, as [x, y, map] triples. */
const walk = (seed, m) => Array.from({ length: 500 }, (_, k) => [(seed + (k >> 2)) % 20, (seed * 7 + (k >> 5)) % 18, m]);
const messageText = (i) => JSON.stringify({ metadata: { user: `trainer${i >> 5}`, env_id: i, color: '#0033ff', extra: `coords: ${i}` }, coords: walk(i, i % 11) });
const one = messageText(3);
const uploads = Array.from({ length: 288 }, (_, i) => parseWrapperMessage(messageText(i)).message);

const suite = new Benchmark.Suite('map');
const add = (name, fn) => (!args.filter || name.includes(args.filter)) && suite.add(name, fn);
add('map/parse-wrapper-500-steps', () => parseWrapperMessage(one));
add('map/model-288-uploads-of-500-steps', () => {
  const p = new MapPositions({ layout });
  for (const u of uploads) p.fromWrapper(u);
});
const moving = new MapPositions({ layout });
for (const u of uploads) moving.fromWrapper(u);
let step = 0;
add('map/update-record-288-agents', () => {
  step++;
  for (let i = 0; i < 288; i++) moving.fromFrame(i, { m: i % 11, x: (i + step) % 20, y: i % 18 }, { map: 'm', x: 'x', y: 'y', layout: 'kanto-map-layout' });
  encodeRecord(moving.takeUpdate());
});

const results = [];
suite
  .on('cycle', (ev) => {
    const t = ev.target;
    console.error(`  ${String(t)}`);
    results.push({ name: t.name, hz: t.hz, rme: t.stats.rme, samples: t.stats.sample.length, msPerOp: 1000 / t.hz });
  })
  .on('complete', () => {
    console.table(results.map((r) => ({ case: r.name, 'ops/s': Math.round(r.hz), 'ms/op': r.msPerOp.toFixed(3), '±%': r.rme.toFixed(1) })));
    moving.takeUpdate();
    for (let i = 0; i < 288; i++) moving.fromFrame(i, { m: i % 11, x: (i + step + 1) % 20, y: i % 18 }, { map: 'm', x: 'x', y: 'y', layout: 'kanto-map-layout' });
    const update = encodeRecord(moving.takeUpdate()).byteLength;
    const full = encodeRecord(moving.full()).byteLength;
    console.log(`record sizes: positions update, 288 agents one step each ${update} bytes; full (288 trails + ${moving.json().visits.cells.length} visited cells) ${full} bytes; a 500-step wrapper message ${one.length} bytes`);
    if (args.json) writeFileSync(args.json, JSON.stringify({ machine: machine(), results }, null, 2));
  })
  .run();
