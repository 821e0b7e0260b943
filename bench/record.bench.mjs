#!/usr/bin/env node
/**
 * record/* — the pure record codec alone: encode a frame record (msgpack + length prefix) and
 * decode it again, with a ~10 KB JPEG payload and a 10-field game state, as the pipeline does.
 *
 *   npm run build && node bench/record.bench.mjs [--json FILE]
 */
import Benchmark from 'benchmark';
import { writeFileSync } from 'node:fs';
import { benchArgs } from './args.mjs';
import { machine } from './machine.mjs';
import { RecordReader } from '../dist/protocol/reader.js';
import { decodeRecords, encodeRecord } from '../dist/protocol/record.js';

const args = benchArgs(import.meta.url, { json: { type: 'string' }, filter: { type: 'string' } });

const jpeg = new Uint8Array(10_000).map((_, i) => (i * 31) & 0xff);
const state = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`field_${i}`, i * 1000]));
const frame = { type: 'frame', env: 0, seq: 1, frame: 12345, ts: Date.now(), width: 160, height: 144, format: 'jpeg', data: jpeg, state };
const bytes = encodeRecord(frame);
const stream = new Uint8Array(bytes.byteLength * 10);
for (let i = 0; i < 10; i++) stream.set(bytes, i * bytes.byteLength);

const suite = new Benchmark.Suite('record');
const add = (name, fn) => (!args.filter || name.includes(args.filter)) && suite.add(name, fn);
add('record/encode-frame', () => encodeRecord(frame));
add('record/decode-frame', () => decodeRecords(bytes));
add('record/reader-10-records-in-4k-chunks', () => {
  const r = new RecordReader();
  for (let o = 0; o < stream.byteLength; o += 4096) {
    r.append(stream.subarray(o, o + 4096));
    while (r.next());
  }
});

const results = [];
suite
  .on('cycle', (ev) => {
    const t = ev.target;
    console.error(`  ${String(t)}`);
    results.push({ name: t.name, hz: t.hz, rme: t.stats.rme, samples: t.stats.sample.length, msPerOp: 1000 / t.hz, bytes: bytes.byteLength });
  })
  .on('complete', () => {
    console.table(results.map((r) => ({ case: r.name, 'ops/s': Math.round(r.hz), 'µs/op': (r.msPerOp * 1000).toFixed(2), '±%': r.rme.toFixed(1) })));
    if (args.json) writeFileSync(args.json, JSON.stringify({ machine: machine(), results }, null, 2));
  })
  .run();
