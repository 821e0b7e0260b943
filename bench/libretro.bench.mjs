#!/usr/bin/env node
/**
 * libretro/* — gambatte through gbstream's libretro frontend against serverboy, side by side in
 * one run, on the same ROMs:
 *
 *   emulator/serverboy-step:ROM    ServerboyEmulator.step(), one frame per call
 *   emulator/gambatte-step:ROM     LibretroEmulator.step() on Debian's gambatte, one frame per call
 *   libretro/bare-loop:ROM         the addon alone (run(h, 1, 0) in a loop): no gbstream around it
 *   libretro/save-load:ROM         one saveState() + loadState() round trip (reported in µs)
 *   pipeline/gambatte-max-1-viewer `gbstream serve --core gambatte --speed max`, one viewer
 *   pipeline/gambatte-64-envs-speed1  `--envs 64 --core gambatte --speed 1`, one viewer: the
 *                                  slowest env's emulated frames/s (target ≥ 59)
 *   pipeline/gambatte-max-N-envs   `--envs N --speed max` (N = cores): all envs' frames/s summed
 *                                  (target ≥ 1.8× one env on 2 cores)
 *   libretro/bare-loop-xN-parallel N bare loops in N processes at once, summed: the scaling the
 *                                  machine itself allows right now (a shared machine may not)
 *
 * ROMs: the embedded demo ROM and Pokémon Yellow as shipped inside the serverboy package (a
 * commercial CGB-compatible game; skipped when absent). Each case runs in its own child process
 * for --seconds after a 60-frame warm-up. Needs the libretro addon and libretro-gambatte.
 *
 *   npm run build && node bench/libretro.bench.mjs [--seconds 6] [--repeat 3] [--json FILE] [--filter NAME[,NAME…]]
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { benchArgs } from './args.mjs';
import WebSocket from 'ws';
import { machine } from './machine.mjs';
import { decodeRecords } from '../dist/protocol/record.js';
import { findCore } from '../dist/emulator/core-path.js';

const args = benchArgs(import.meta.url, { seconds: { type: 'string', default: '6' }, repeat: { type: 'string', default: '1' }, json: { type: 'string' }, filter: { type: 'string' } });
const seconds = Math.min(60, Math.max(2, Number(args.seconds)));
const repeat = Math.min(9, Math.max(1, Math.floor(Number(args.repeat))));
const CORE = findCore('gambatte');
if (CORE === undefined) {
  // Skipped, not failed: serverboy-only machines still run the other suites.
  console.error('libretro bench: skipped, gambatte_libretro not found (apt install libretro-gambatte, or set GBSTREAM_CORE_DIR)');
  if (args.json) writeFileSync(args.json, JSON.stringify({ machine: machine(), results: [], ratios: {}, skipped: 'gambatte_libretro not found' }, null, 2));
  process.exit(0);
}
const ROMS = { demo: 'src/demo/gbstream-demo.gbc', pokeyellow: 'node_modules/serverboy/roms/pokeyellow.gbc' };
const dist = (p) => JSON.stringify(new URL(`../dist/${p}`, import.meta.url).href);

/** Runs `body` (which defines step()) in a child; returns calls/s over `seconds` after warm-up. */
function childLoop(name, rom, body, framesPerCall = 1) {
  const code = `
    import { readFileSync } from 'node:fs';
    const rom = new Uint8Array(readFileSync(${JSON.stringify(rom)}));
    const CORE = ${JSON.stringify(CORE)};
    ${body}
    for (let i = 0; i < 60; i++) step();
    const t0 = performance.now(); let n = 0;
    while (performance.now() - t0 < ${seconds * 1000}) { step(); n++; }
    console.log(JSON.stringify({ hz: n / ((performance.now() - t0) / 1000) }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (c) => {
      if (c !== 0) return reject(new Error(`${name} exited ${c}`));
      resolve({ name, hz: JSON.parse(out.trim().split('\n').pop()).hz * framesPerCall });
    });
  });
}

const serverboyStep = `
  const { ServerboyEmulator } = await import(${dist('emulator/serverboy.js')});
  const emu = new ServerboyEmulator(rom);
  const step = () => emu.step();`;
const gambatteStep = `
  const { LibretroEmulator } = await import(${dist('emulator/libretro.js')});
  const emu = new LibretroEmulator(CORE, rom);
  const step = () => emu.step();`;
const bareLoop = `
  const { tryLoadLibretroBinding } = await import(${dist('emulator/libretro-binding.js')});
  const { tmpdir } = await import('node:os');
  const b = tryLoadLibretroBinding().binding;
  const h = b.open(CORE, tmpdir(), tmpdir(), tmpdir());
  b.loadGame(h, rom, 'game.gbc');
  const step = () => b.run(h, 1, 0);`;
const saveLoad = `
  const { LibretroEmulator } = await import(${dist('emulator/libretro.js')});
  const emu = new LibretroEmulator(CORE, rom);
  emu.run([], 300);
  const step = () => emu.loadState(emu.saveState());`;

/**
 * `gbstream serve ROM --core gambatte` with one viewer and `extra` flags; emulator speed from
 * `stats` (the mean over envs, so × envs for the sum), and the slowest env's.
 */
async function pipeline(name, rom, extra = ['--speed', 'max'], envs = 1) {
  const child = spawn(process.execPath, ['dist/cli/main.js', 'serve', rom, '--core', 'gambatte', '--port', '0', '--fps', '10', '--policy', 'random', '--envs', String(envs), ...extra], {
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
  const slowest = [];
  let frames = 0;
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('message', (data) => {
    for (const m of decodeRecords(new Uint8Array(data))) {
      if (m.type === 'stats') {
        speeds.push(m.emuFps * envs);
        slowest.push(m.envs ? Math.min(...m.envs.map((e) => e.emuFps)) : m.emuFps);
      }
      if (m.type === 'frame') frames++;
    }
  });
  ws.on('error', () => undefined);
  await new Promise((r) => setTimeout(r, (seconds + 3) * 1000));
  ws.terminate();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const steady = (a) => a.slice(3); // skip start-up seconds
  const mean = (a) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? 0;
  // The slowest env in each stats second, then the median of those seconds (one late tick of a
  // busy machine is not an env falling behind), and the worst second too.
  return { name, hz: mean(steady(speeds)), slowestEnvHz: median(steady(slowest)), worstSecondHz: Math.min(...steady(slowest)), envs, framesDelivered: frames };
}

const cases = [];
for (const [label, rom] of Object.entries(ROMS)) {
  if (!existsSync(rom)) continue;
  cases.push(
    [`emulator/serverboy-step:${label}`, (n) => childLoop(n, rom, serverboyStep)],
    [`emulator/gambatte-step:${label}`, (n) => childLoop(n, rom, gambatteStep)],
    [`libretro/bare-loop:${label}`, (n) => childLoop(n, rom, bareLoop)],
    [`pipeline/gambatte-max-1-viewer:${label}`, (n) => pipeline(n, rom)],
    [`libretro/save-load:${label}`, (n) => childLoop(n, rom, saveLoad)],
  );
}
const CORES = availableParallelism();
/** `n` bare loops in parallel processes, summed: what this machine gives n cores right now. */
async function parallelBare(name, rom, n) {
  const all = await Promise.all(Array.from({ length: n }, () => childLoop(name, rom, bareLoop)));
  return { name, hz: all.reduce((sum, r) => sum + r.hz, 0) };
}
cases.push(
  [`libretro/bare-loop-x${CORES}-parallel:demo`, (n) => parallelBare(n, ROMS.demo, CORES)],
  ['pipeline/gambatte-64-envs-speed1:demo', (n) => pipeline(n, ROMS.demo, ['--speed', '1'], 64)],
  ['pipeline/gambatte-max-1-envs:demo', (n) => pipeline(n, ROMS.demo, ['--speed', 'max'], 1)],
  [`pipeline/gambatte-max-${CORES}-envs:demo`, (n) => pipeline(n, ROMS.demo, ['--speed', 'max'], CORES)],
);

// --repeat N runs every case N times in rounds (A B C, A B C, …) and keeps each case's median
// run: on a shared machine, a burst of someone else's load then hits every case alike.
const runs = new Map();
for (let round = 1; round <= repeat; round++) {
  for (const [name, run] of cases) {
    if (args.filter && !args.filter.split(',').some((f) => name.includes(f))) continue;
    process.stderr.write(`  ${name}${repeat > 1 ? ` (${round}/${repeat})` : ''} … `);
    try {
      const r = await run(name);
      process.stderr.write(`${r.hz.toFixed(1)}/s\n`);
      runs.set(name, [...(runs.get(name) ?? []), r]);
    } catch (err) {
      process.stderr.write(`failed: ${err.message}\n`);
    }
  }
}
const results = [...runs.values()].map((rs) => ({ ...[...rs].sort((a, b) => a.hz - b.hz)[Math.floor(rs.length / 2)], runs: rs.map((r) => Math.round(r.hz)) }));
const hz = (n) => results.find((r) => r.name === n)?.hz;
const ratio = (a, b) => (hz(a) && hz(b) ? Number((hz(a) / hz(b)).toFixed(2)) : undefined);
console.table(
  results.map((r) =>
    r.name.startsWith('libretro/save-load')
      ? { case: r.name, 'frames/s': '', 'µs per call': (1e6 / r.hz).toFixed(1) }
      : { case: r.name, 'frames/s': r.hz.toFixed(1), 'µs per call': (1e6 / r.hz).toFixed(1), 'slowest env (median s / worst s)': r.envs > 1 ? `${r.slowestEnvHz.toFixed(1)} / ${r.worstSecondHz.toFixed(1)}` : '' },
  ),
);
const ratios = {};
for (const label of Object.keys(ROMS)) {
  const a = ratio(`emulator/gambatte-step:${label}`, `emulator/serverboy-step:${label}`);
  if (a !== undefined) ratios[`gambatte-step ÷ serverboy-step, ${label} (target ≥ 15)`] = a;
  const b = ratio(`pipeline/gambatte-max-1-viewer:${label}`, `libretro/bare-loop:${label}`);
  if (b !== undefined) ratios[`serve --core gambatte ÷ bare loop, ${label} (target ≥ 0.9)`] = b;
}
const slow = results.find((r) => r.name === 'pipeline/gambatte-64-envs-speed1:demo');
if (slow) ratios['--envs 64 --speed 1: slowest env frames/s (target ≥ 59)'] = Number(slow.slowestEnvHz.toFixed(1));
const many = ratio(`pipeline/gambatte-max-${CORES}-envs:demo`, 'pipeline/gambatte-max-1-envs:demo');
if (many !== undefined) ratios[`${CORES} envs ÷ 1 env at --speed max, summed (target ≥ 1.8 on 2 cores)`] = many;
// The same ratio for bare loops: the most this machine allowed during the run.
const ceiling = ratio(`libretro/bare-loop-x${CORES}-parallel:demo`, 'libretro/bare-loop:demo');
if (ceiling !== undefined) ratios[`${CORES} bare loops in parallel ÷ 1 (the machine's ceiling for the line above)`] = ceiling;
console.table(ratios);
if (args.json) writeFileSync(args.json, JSON.stringify({ machine: machine(), results, ratios }, null, 2));
