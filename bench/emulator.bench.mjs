#!/usr/bin/env node
/**
 * emulator/* — how fast the emulator runs, and what streaming costs it, side by side in one run:
 *
 *   emulator/serverboy-doFrame   serverboy's own doFrame loop (one LCD frame per call, sound off),
 *                                including its per-frame RGBA copy-out — what users had before
 *   emulator/adapter-step        gbstream's adapter alone, which skips that copy-out
 *   pipeline/max-1-viewer        `gbstream serve --speed max` streaming 10 FPS to 1 viewer
 *   pipeline/max-100-viewers     the same, to 100 viewers
 *
 * Each case runs in its own child process (one core each), for --seconds; the pipeline's rate
 * is the emulator speed the server reports in `stats`. Viewers live in this process.
 *
 *   npm run build && node bench/emulator.bench.mjs [--seconds 8] [--json FILE]
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { benchArgs } from './args.mjs';
import WebSocket from 'ws';
import { machine } from './machine.mjs';
import { decodeRecords } from '../dist/protocol/record.js';

const args = benchArgs(import.meta.url, { seconds: { type: 'string', default: '8' }, json: { type: 'string' }, filter: { type: 'string' } });
const seconds = Math.min(60, Math.max(2, Number(args.seconds)));
const ROM = 'src/demo/gbstream-demo.gbc';

/** Runs a loop in a child and returns frames/s over the last `seconds` (after 1 s warm-up). */
function childLoop(name, body) {
  const code = `
    import { readFileSync } from 'node:fs';
    const rom = new Uint8Array(readFileSync(${JSON.stringify(ROM)}));
    ${body}
    for (let i = 0; i < 60; i++) step();
    const t0 = performance.now(); let n = 0;
    while (performance.now() - t0 < ${seconds * 1000}) { step(); n++; }
    console.log(JSON.stringify({ fps: n / ((performance.now() - t0) / 1000) }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (c) => (c === 0 ? resolve({ name, hz: JSON.parse(out.trim().split('\n').pop()).fps }) : reject(new Error(`${name} exited ${c}`))));
  });
}

const plainServerboy = `
  import { createRequire } from 'node:module';
  const require = createRequire(import.meta.url);
  const settings = require('serverboy/src/gameboy_core/settings.js');
  settings[0] = false; settings[6] = 70224 * 1000 / 4194304; // one LCD frame per doFrame
  const Gameboy = require('serverboy');
  const gb = new Gameboy(); gb.loadRom(Array.from(rom));
  const step = () => gb.doFrame();`;

const adapter = `
  const { ServerboyEmulator } = await import(${JSON.stringify(new URL('../dist/emulator/serverboy.js', import.meta.url).href)});
  const emu = new ServerboyEmulator(rom);
  const step = () => emu.step();`;

async function pipeline(name, viewers) {
  const child = spawn(process.execPath, ['dist/cli/main.js', 'serve', '--port', '0', '--speed', 'max', '--fps', '10', '--policy', 'random'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, GBSTREAM_LOG_LEVEL: 'warn', GBSTREAM_LOG_FORMAT: 'json' },
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /WebSocket (ws:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  const speeds = [];
  let frames = 0;
  const sockets = [];
  for (let i = 0; i < viewers; i++) {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('message', (data) => {
      for (const m of decodeRecords(new Uint8Array(data))) {
        if (i === 0 && m.type === 'stats') speeds.push(m.emuFps);
        if (m.type === 'frame') frames++;
      }
    });
    ws.on('error', () => undefined);
    sockets.push(ws);
  }
  await new Promise((r) => setTimeout(r, (seconds + 2) * 1000));
  for (const ws of sockets) ws.terminate();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const steady = speeds.slice(2); // skip start-up seconds
  const hz = steady.reduce((a, b) => a + b, 0) / Math.max(1, steady.length);
  return { name, hz, viewers, framesDelivered: frames };
}

const cases = [
  ['emulator/serverboy-doFrame', () => childLoop('emulator/serverboy-doFrame', plainServerboy)],
  ['emulator/adapter-step', () => childLoop('emulator/adapter-step', adapter)],
  ['pipeline/max-1-viewer', () => pipeline('pipeline/max-1-viewer', 1)],
  ['pipeline/max-100-viewers', () => pipeline('pipeline/max-100-viewers', 100)],
];
const results = [];
for (const [name, run] of cases) {
  if (args.filter && !name.includes(args.filter)) continue;
  process.stderr.write(`  ${name} … `);
  const r = await run();
  process.stderr.write(`${r.hz.toFixed(1)} frames/s\n`);
  results.push(r);
}
const hz = (n) => results.find((r) => r.name === n)?.hz;
const ratio = (a, b) => (hz(a) && hz(b) ? Number((hz(a) / hz(b)).toFixed(2)) : undefined);
console.table(results.map((r) => ({ case: r.name, 'frames/s': r.hz.toFixed(1), 'vs real time': `${(r.hz / 59.7275).toFixed(1)}×` })));
const ratios = {
  'pipeline/max-1-viewer ÷ serverboy-doFrame (target ≥ 1.3)': ratio('pipeline/max-1-viewer', 'emulator/serverboy-doFrame'),
  'pipeline/max-100-viewers ÷ adapter-step (target ≥ 0.97)': ratio('pipeline/max-100-viewers', 'emulator/adapter-step'),
};
console.table(ratios);
if (args.json) writeFileSync(args.json, JSON.stringify({ machine: machine(), results, ratios }, null, 2));
