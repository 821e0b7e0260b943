#!/usr/bin/env node
/**
 * png/* — lossless indexed PNG frames against JPEG, side by side in one run, on real frames:
 * 100 frames of the demo ROM and 100 of Blargg's cpu_instrs (shipped with serverboy), every 10th
 * emulated frame from frame 120 on, run by gbstream's serverboy adapter with no input.
 *
 *   npm run build && node bench/png.bench.mjs [--levels] [--filter SUBSTRING] [--json FILE]
 *
 * Main table (benchmark.js, through the FrameEncoder interface the pipeline uses, awaited, one
 * frame per call in turn): native JPEG q80 4:4:4, sharp JPEG q80 4:4:4, native indexed PNG and
 * JS indexed PNG at gbstream's defaults. Prints mean bytes/frame, ms/frame and what a recording
 * holds in image bytes per hour at 10 frames/s (bytes × 36,000; each record adds ~100 bytes).
 *
 * `--levels` adds the table the PNG defaults were chosen from: native PNG at each zlib level
 * 1–9 × strategy (default, filtered, rle) × row filter (none, up, adaptive), bytes/frame and
 * ms/frame (best of 5 passes over the 100 frames, timed with performance.now()).
 */
import Benchmark from 'benchmark';
import { readFileSync, writeFileSync } from 'node:fs';
import { benchArgs } from './args.mjs';
import { machine } from './machine.mjs';
import { ServerboyEmulator } from '../dist/emulator/serverboy.js';
import { NativeEncoder, tryLoadNativeBinding } from '../dist/encode/native-encoder.js';
import { SharpEncoder } from '../dist/encode/sharp-encoder.js';
import { NativePngEncoder, tryLoadNativePngBinding } from '../dist/encode/png-native-encoder.js';
import { JsPngEncoder } from '../dist/encode/png-js-encoder.js';
import { PNG_DEFAULTS } from '../dist/encode/png-options.js';

const args = benchArgs(import.meta.url, { levels: { type: 'boolean' }, filter: { type: 'string' }, json: { type: 'string' } });

const ROMS = [
  { name: 'demo', path: 'src/demo/gbstream-demo.gbc' },
  { name: 'blargg', path: 'node_modules/serverboy/roms/blargg_tests/cpu_instrs.gb' },
];
const FRAMES = 100;
const EVERY = 10;
const WARMUP = 120;
const W = 160;
const H = 144;

for (const [what, loaded] of [['JPEG', tryLoadNativeBinding()], ['PNG', tryLoadNativePngBinding()]]) {
  if (!('binding' in loaded)) {
    console.error(`png bench: native ${what} encoder unavailable (${loaded.reason}); build it with node native/build.mjs`);
    process.exit(1);
  }
}

/** Real frames: RGB copies of every EVERY-th emulated frame after WARMUP. */
function framesOf(path) {
  const emu = new ServerboyEmulator(new Uint8Array(readFileSync(path)));
  for (let i = 0; i < WARMUP; i++) emu.step();
  const frames = [];
  while (frames.length < FRAMES) {
    for (let i = 0; i < EVERY; i++) emu.step();
    frames.push(emu.screenRgb().slice());
  }
  return frames;
}

const sets = ROMS.map((rom) => ({ ...rom, frames: framesOf(rom.path) }));
const jpegOptions = { quality: 80, subsampling: '4:4:4' };
const encoders = {
  'native-jpeg-q80': () => new NativeEncoder(jpegOptions),
  'sharp-jpeg-q80': () => new SharpEncoder(jpegOptions),
  'native-png': () => new NativePngEncoder(PNG_DEFAULTS),
  'js-png': () => new JsPngEncoder(PNG_DEFAULTS),
};

const pad = (s, n) => String(s).padEnd(n);
const padL = (s, n) => String(s).padStart(n);
const mbPerHour = (bytes) => (bytes * 10 * 3600) / 1e6;

const results = [];
const suite = new Benchmark.Suite('png');
for (const set of sets) {
  for (const [kind, make] of Object.entries(encoders)) {
    const name = `png/${set.name}/${kind}`;
    if (args.filter && !name.includes(args.filter)) continue;
    const enc = make();
    let total = 0;
    for (const f of set.frames) total += (await enc.encode(f, W, H, 3)).length;
    const bytes = total / set.frames.length;
    let i = 0;
    suite.add(name, {
      defer: true,
      fn: (deferred) => {
        enc.encode(set.frames[i++ % FRAMES], W, H, 3).then(
          () => deferred.resolve(),
          (err) => {
            console.error(err);
            process.exit(1);
          },
        );
      },
    });
    results.push({ name, rom: set.name, encoder: kind, bytes });
  }
}

suite.on('cycle', (event) => {
  const b = event.target;
  const r = results.find((x) => x.name === b.name);
  Object.assign(r, { hz: b.hz, rme: b.stats.rme, samples: b.stats.sample.length, msPerOp: 1000 / b.hz });
  console.log(`  ${r.name}: ${r.hz.toFixed(0)} ops/s ±${r.rme.toFixed(1)}% (${r.samples} samples)`);
});

function levelsTable() {
  const rows = [];
  for (const set of sets) {
    for (const strategy of ['default', 'filtered', 'rle']) {
      for (const filter of ['none', 'up', 'adaptive']) {
        for (let level = 1; level <= 9; level++) {
          const enc = new NativePngEncoder({ level, strategy, filter });
          let bytes = 0;
          for (const f of set.frames) bytes += enc.encodeSync(f, W, H, 3).length;
          let best = Infinity;
          for (let pass = 0; pass < 5; pass++) {
            const t0 = performance.now();
            for (const f of set.frames) enc.encodeSync(f, W, H, 3);
            best = Math.min(best, (performance.now() - t0) / FRAMES);
          }
          rows.push({ rom: set.name, level, strategy, filter, bytes: bytes / FRAMES, msPerOp: best });
        }
      }
    }
  }
  console.log(`\nnative PNG by zlib level × strategy × filter (mean bytes/frame, best-of-5 ms/frame)`);
  console.log(`${pad('rom', 8)}${pad('strategy', 10)}${pad('filter', 10)}${[...Array(9)].map((_, i) => padL(`L${i + 1}`, 12)).join('')}`);
  for (const set of sets) {
    for (const strategy of ['default', 'filtered', 'rle']) {
      for (const filter of ['none', 'up', 'adaptive']) {
        const cells = rows
          .filter((r) => r.rom === set.name && r.strategy === strategy && r.filter === filter)
          .map((r) => padL(`${r.bytes.toFixed(0)}/${r.msPerOp.toFixed(3)}`, 12));
        console.log(`${pad(set.name, 8)}${pad(strategy, 10)}${pad(filter, 10)}${cells.join('')}`);
      }
    }
  }
  return rows;
}

suite.on('complete', () => {
  console.log(`\n${pad('case', 30)}${padL('bytes/frame', 12)}${padL('ms/frame', 10)}${padL('±rme', 8)}${padL('MB/h @10fps', 13)}`);
  for (const r of results) {
    console.log(
      `${pad(r.name, 30)}${padL(r.bytes.toFixed(0), 12)}${padL(r.msPerOp.toFixed(3), 10)}${padL(`${r.rme.toFixed(1)}%`, 8)}${padL(mbPerHour(r.bytes).toFixed(1), 13)}`,
    );
  }
  for (const set of sets) {
    const png = results.find((r) => r.name === `png/${set.name}/native-png`);
    const jpeg = results.find((r) => r.name === `png/${set.name}/native-jpeg-q80`);
    if (png && jpeg) console.log(`${set.name}: native PNG is ${(png.bytes / jpeg.bytes).toFixed(3)} of native JPEG q80's bytes`);
  }
  console.log(`PNG defaults: level ${PNG_DEFAULTS.level}, strategy ${PNG_DEFAULTS.strategy}, filter ${PNG_DEFAULTS.filter}; load average now ${machine().loadavg.join(' ')}`);
  const levels = args.levels ? levelsTable() : [];
  if (args.json) {
    writeFileSync(args.json, `${JSON.stringify({ machine: machine(), results, levels }, null, 2)}\n`);
    console.log(`wrote ${args.json}`);
  }
});

if (suite.length === 0) {
  console.error(`png bench: no case matches --filter "${args.filter}"`);
  process.exit(1);
}
const m = machine();
console.log(`png: ${suite.length} cases, ${FRAMES} frames per ROM (${sets.map((s) => s.name).join(', ')}); ${m.cpus} × ${m.model}, Node ${m.node}, load average ${m.loadavg.join(' ')}`);
suite.run();
