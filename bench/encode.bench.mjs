#!/usr/bin/env node
/**
 * encode/* — the native libjpeg-turbo addon against sharp, side by side in one run, on one
 * Game Boy frame (160×144) and on a 4×4 mosaic of 16 frames (640×576, one picture of 16
 * environments). Both go through the FrameEncoder interface the pipeline uses (awaited), at the
 * CLI defaults (quality 80, 4:4:4).
 *
 *   npm run build && node bench/encode.bench.mjs [--filter SUBSTRING] [--json FILE]
 *
 * Prints one progress line per case, then a table with the native/sharp ratio per size.
 * `--json FILE` writes { machine, results: [{ name, hz, rme, samples, msPerOp, bytes }] }.
 */
import Benchmark from 'benchmark';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { NativeEncoder, tryLoadNativeBinding } from '../dist/encode/native-encoder.js';
import { SharpEncoder } from '../dist/encode/sharp-encoder.js';
import { mulberry32 } from '../dist/policy/random.js';
import { benchArgs } from './args.mjs';

const { filter, json: jsonFile } = benchArgs(import.meta.url, { filter: { type: 'string' }, json: { type: 'string' } });

/** Deterministic PRNG: the random policy's mulberry32. */
const prng = mulberry32;

/**
 * A Game Boy-like RGB frame: 8×8 tiles in the 4 DMG greens (flat, brick, checker, glyph) and
 * two round colour sprites. Same recipe as test/encoder.test.ts; ~10 KiB as JPEG at q80, like a
 * frame of the demo ROM.
 */
function gameBoyFrame(seed, w = 160, h = 144) {
  const greens = [[0x9b, 0xbc, 0x0f], [0x8b, 0xac, 0x0f], [0x30, 0x62, 0x30], [0x0f, 0x38, 0x0f]];
  const rnd = prng(seed);
  const rgb = new Uint8Array(w * h * 3);
  for (let ty = 0; ty < h / 8; ty++) {
    for (let tx = 0; tx < w / 8; tx++) {
      const kind = rnd();
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          let s = 0;
          if (kind < 0.4) s = 0;
          else if (kind < 0.6) s = y % 4 === 3 || x === (y < 4 ? 0 : 4) ? 2 : 1;
          else if (kind < 0.8) s = ((x >> 1) + (y >> 1)) % 2 === 0 ? 1 : 0;
          else s = rnd() < 0.3 ? 3 : 0;
          rgb.set(greens[s], ((ty * 8 + y) * w + tx * 8 + x) * 3);
        }
      }
    }
  }
  for (const [sx, sy, c] of [[24, 40, [0xf8, 0x38, 0x00]], [88, 72, [0x00, 0x58, 0xf8]]]) {
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        const d = Math.hypot(x - 7.5, y - 7.5);
        if (d <= 7.5) rgb.set(d > 6.2 ? [0x20, 0x10, 0x10] : c, ((sy + y) * w + sx + x) * 3);
      }
    }
  }
  return rgb;
}

/** 4×4 tiles of different frames in one 640×576 picture. */
function mosaic() {
  const w = 640;
  const out = new Uint8Array(w * 576 * 3);
  for (let i = 0; i < 16; i++) {
    const f = gameBoyFrame(100 + i);
    const ox = (i % 4) * 160;
    const oy = Math.floor(i / 4) * 144;
    for (let y = 0; y < 144; y++) out.set(f.subarray(y * 480, (y + 1) * 480), ((oy + y) * w + ox) * 3);
  }
  return out;
}

const loaded = tryLoadNativeBinding();
if (!('binding' in loaded)) {
  console.error(`encode bench: native encoder unavailable (${loaded.reason}); build it with node native/build.mjs`);
  process.exit(1);
}

const options = { quality: 80, subsampling: '4:4:4' };
const encoders = { native: new NativeEncoder(options), sharp: new SharpEncoder(options) };
const inputs = [
  { suffix: '', pixels: gameBoyFrame(6), width: 160, height: 144 },
  { suffix: '/mosaic-4x4', pixels: mosaic(), width: 640, height: 576 },
];

const suite = new Benchmark.Suite('encode');
const bytes = new Map();
for (const input of inputs) {
  for (const [kind, enc] of Object.entries(encoders)) {
    const name = `encode/${kind}${input.suffix}`;
    if (filter && !name.includes(filter)) continue;
    bytes.set(name, (await enc.encode(input.pixels, input.width, input.height, 3)).length);
    suite.add(name, {
      defer: true,
      fn: (deferred) => {
        enc.encode(input.pixels, input.width, input.height, 3).then(
          () => deferred.resolve(),
          (err) => {
            console.error(err);
            process.exit(1);
          },
        );
      },
    });
  }
}

const results = [];
suite.on('cycle', (event) => {
  const b = event.target;
  const r = {
    name: b.name,
    hz: b.hz,
    rme: b.stats.rme,
    samples: b.stats.sample.length,
    msPerOp: 1000 / b.hz,
    bytes: bytes.get(b.name),
  };
  results.push(r);
  console.log(`  ${r.name}: ${r.hz.toFixed(0)} ops/s ±${r.rme.toFixed(1)}% (${r.samples} samples)`);
});

suite.on('complete', () => {
  const pad = (s, n) => String(s).padEnd(n);
  const padL = (s, n) => String(s).padStart(n);
  console.log();
  console.log(`${pad('case', 28)}${padL('ops/s', 10)}${padL('±rme', 8)}${padL('ms/op', 10)}${padL('bytes', 9)}`);
  for (const r of results) {
    console.log(
      `${pad(r.name, 28)}${padL(r.hz.toFixed(0), 10)}${padL(`${r.rme.toFixed(1)}%`, 8)}${padL(r.msPerOp.toFixed(3), 10)}${padL(r.bytes, 9)}`,
    );
  }
  for (const input of inputs) {
    const native = results.find((r) => r.name === `encode/native${input.suffix}`);
    const sharp = results.find((r) => r.name === `encode/sharp${input.suffix}`);
    if (native && sharp) {
      console.log(`native/sharp ${input.width}×${input.height}: ${(native.hz / sharp.hz).toFixed(1)}× the frames/s`);
    }
  }
  if (jsonFile) {
    const cpu = cpus()[0];
    const machine = {
      cpu: cpu?.model,
      cores: cpus().length,
      memGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    };
    writeFileSync(jsonFile, `${JSON.stringify({ machine, results }, null, 2)}\n`);
    console.log(`wrote ${jsonFile}`);
  }
});

if (suite.length === 0) {
  console.error(`encode bench: no case matches --filter "${filter}" (names: encode/native, encode/sharp, …/mosaic-4x4)`);
  process.exit(1);
}
console.log(`encode: ${suite.length} cases (quality 80, 4:4:4)`);
suite.run();
