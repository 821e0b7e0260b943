#!/usr/bin/env node
/**
 * env-cost/* — what an env costs beyond its core, in ONE thread, the cases interleaved in short
 * bursts so that every case sees the same host (this shared VM's speed moves by up to ±20 % from
 * one second to the next; cases measured seconds apart compare the host, not the code). CPU time
 * is this thread's own (/proc/thread-self/schedstat, ns), per emulated frame.
 *
 *   core/4x-step       4 gambatte instances round-robin, 24 frames each as hold()+step() per frame
 *                      (the yardstick of bench/vector-env.py, with an action every 24 frames)
 *   core/4x-run        the same with run(buttons, 24): one native call per 24 frames
 *   env/4x24-gray      4 LocalEnvs in lockstep, step(buttons, 24, 'gray') in turn (what an env
 *                      thread runs for VectorEnv 8 x 24 gray), viewers' frames sampled at --fps
 *   env/4x24-gray-fps1 the same sampled at 1 fps (the JPEG samples nobody watches, mostly gone)
 *
 *   npm run build && node bench/env-cost.mjs [--seconds 40] [--fps 10]
 */
import { readFileSync } from 'node:fs';
import { importDist, parseArgsOrExit } from './args.mjs';

const HELP = `usage: node bench/env-cost.mjs [--seconds N] [--fps N]
  In one thread, interleaved: gambatte alone (step per frame, run per 24) against LocalEnv.step(24, gray);
  prints CPU µs per emulated frame and each case over core/4x-step. Needs npm run build and gambatte.`;
const { values } = parseArgsOrExit(import.meta.url, { options: { seconds: { type: 'string', default: '40' }, fps: { type: 'string', default: '10' }, help: { type: 'boolean' } } });
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const seconds = Number(values.seconds);
const fps = Number(values.fps);
if (!(seconds > 0) || !(fps >= 1 && fps <= 60)) {
  console.error('env-cost: --seconds must be > 0 and --fps 1–60');
  process.exit(1);
}

const load = (path) => importDist(import.meta.url, path);
const { chooseCore } = await load('emulator/core-choice.js');
const { createEmulator } = await load('emulator/create-emulator.js');
const { createLocalEnv } = await load('envs/local-env.js');
const { makePolicy } = await load('policy/spec.js');
const { selectEncoder } = await load('encode/select-encoder.js');
const { silentLogger } = await load('log.js');
const { loadMemoryMap } = await load('state/memory-map.js');
const { DEMO_ROM_PATH, PACKAGE_ROOT } = await load('paths.js');

let core;
try {
  core = chooseCore('gambatte').choice;
} catch (err) {
  console.error(`env-cost: needs gambatte: ${err.message}`);
  process.exit(1);
}
const rom = new Uint8Array(readFileSync(DEMO_ROM_PATH));
const map = await loadMemoryMap(`${PACKAGE_ROOT}/roms.example/gbstream-demo.json`);
const cpuUs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1000;
const BUTTONS = [[], ['a'], ['b'], ['up'], ['down'], ['left'], ['right'], ['start'], ['select']];
let seed = 1;
const action = () => BUTTONS[(seed = (seed * 1103515245 + 12345) & 0x7fffffff) % BUTTONS.length];

async function cores(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const e = await createEmulator(rom, { core });
    e.run([], 120);
    out.push(e);
  }
  return out;
}
async function envs(n, sampleFps) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const env = await createLocalEnv({
      id: i, rom, core, sound: false, map, policy: await makePolicy({ kind: 'random' }, i),
      encoder: selectEncoder('auto', { quality: 80 }, () => {}), fps: sampleFps, speed: 'max', log: silentLogger(),
      output: { frame() {}, event() {}, log() {} },
    });
    await env.setLockstep(true);
    await env.step([], 120, 'none');
    out.push(env);
  }
  return out;
}

const cases = {
  'core/4x-step': { units: await cores(4), run: (e) => { const b = action(); for (let i = 0; i < 24; i++) { e.hold(b, 1); e.step(); } } },
  'core/4x-run': { units: await cores(4), run: (e) => e.run(action(), 24) },
  'env/4x24-gray': { units: await envs(4, fps), run: (e) => e.step(action(), 24, 'gray') },
  'env/4x24-gray-fps1': { units: await envs(4, 1), run: (e) => e.step(action(), 24, 'gray') },
};
const acc = Object.fromEntries(Object.keys(cases).map((k) => [k, { frames: 0, us: 0 }]));
const loadAvg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const loadBefore = loadAvg();
const started = performance.now();
while (performance.now() - started < seconds * 1000) {
  for (const [name, c] of Object.entries(cases)) {
    const before = cpuUs();
    for (let round = 0; round < 4; round++) for (const u of c.units) await c.run(u); // 384 frames, ~50 ms
    acc[name].us += cpuUs() - before;
    acc[name].frames += 4 * 4 * 24;
  }
}
const base = acc['core/4x-step'].us / acc['core/4x-step'].frames;
console.log(`one thread, ${seconds} s interleaved, gambatte, demo ROM, --fps ${fps}; load ${loadBefore} at the start, ${loadAvg()} at the end`);
for (const [name, a] of Object.entries(acc)) {
  const us = a.us / a.frames;
  console.log(`  ${name.padEnd(20)} ${us.toFixed(1).padStart(7)} µs CPU a frame  ${(us / base).toFixed(3)}x core/4x-step  (${a.frames} frames)`);
}
for (const c of Object.values(cases)) for (const u of c.units) await (u.stop ? u.stop() : u.close());
