#!/usr/bin/env node
/**
 * inputlog/* — what an input-log recording costs and gives, side by side in one run, per ROM:
 *
 *   inputlog/<rom>/bytes-per-env-hour   inputs-only (runs + a checkpoint a minute), beside the same
 *                                       run's frames at 10 fps as JPEG (q80) and as PNG frame records
 *   inputlog/<rom>/overhead             frames/s of the core with the logger over the bare core
 *                                       (8 alternating 0.75 s slices, best of each; agent-like play:
 *                                       a random action held 24 frames)
 *   inputlog/<rom>/rerender             re-render frames/s over the bare core's
 *   inputlog/<rom>/seek                 seek to random frames of the log: worst and mean seconds
 *   inputlog/<rom>/replay-seek          `replay --rom`: seek commands over /ws (until the ack, the
 *                                       picture sent), and frames/s of the focused env at --fps 60
 *   inputlog/<rom>/mp4                  lossless MP4 export frames/s (ffmpeg), when ffmpeg is here
 *
 * Bytes are measured over --minutes of emulated time and scaled to an hour (a checkpoint a minute).
 *
 *   npm run build && node bench/inputlog.bench.mjs [--core gambatte|serverboy] [--minutes 3] [--rom FILE] [--json FILE]
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './args.mjs';
import { machine } from './machine.mjs';
import { createEmulator } from '../dist/emulator/create-emulator.js';
import { chooseCore } from '../dist/emulator/core-choice.js';
import { InputLoggingEmulator } from '../dist/emulator/input-logging.js';
import { selectEncoder } from '../dist/encode/select-encoder.js';
import { frameRecord } from '../dist/protocol/frame-record.js';
import { BUTTONS } from '../dist/protocol/messages.js';
import { encodeRecord } from '../dist/protocol/record.js';
import { memoryByteSource } from '../dist/record/file-reader.js';
import { readInputLog } from '../dist/record/inputs/input-log-index.js';
import { Rerenderer, romSha1 } from '../dist/record/inputs/rerender.js';
import { VideoWriter, findFfmpeg } from '../dist/record/video-export.js';
import { replayInputs } from '../dist/app/replay-inputs.js';
import { silentLogger } from '../dist/log.js';
import { decodeRecords } from '../dist/protocol/record.js';
import WebSocket from 'ws';

const args = benchArgs(import.meta.url, { filter: { type: 'string' }, core: { type: 'string', default: 'auto' }, minutes: { type: 'string', default: '3' }, rom: { type: 'string', multiple: true }, json: { type: 'string' } });
const core = chooseCore(args.core).choice;
const coreName = core.kind === 'serverboy' ? 'serverboy' : 'gambatte';
const frames = Math.round(Number(args.minutes) * 60 * 59.7275);
const roms = args.rom ?? ['src/demo/gbstream-demo.gbc', 'node_modules/serverboy/roms/blargg_tests/cpu_instrs.gb'];
const results = [];
const ratios = {};
const HOUR = 3600 * 59.7275;

/** Agent-like play: a random action (one or two buttons, or none) held for 24 frames. */
function player(seed) {
  let s = seed;
  const rand = (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
  let left = 0;
  let buttons = [];
  return () => {
    if (left-- <= 0) {
      left = 23;
      buttons = rand(3) === 0 ? [] : [BUTTONS[rand(8)]];
    }
    return buttons;
  };
}

async function measure(romPath) {
  const rom = new Uint8Array(readFileSync(romPath));
  const name = romPath.split('/').pop().replace(/\.gbc?$/, '');
  // 1. One run of `frames`: the log's bytes, and every 6th frame (10 of 59.73/s) as JPEG and PNG records.
  const log = [encodeRecord({ type: 'hello', protocol: 1, server: 'bench', rom: { sha1: romSha1(rom) }, envs: 1, fps: 10, core: coreName })];
  const emu = new InputLoggingEmulator(await createEmulator(rom, { core }), { env: 0, romSha1: romSha1(rom), sound: false, checkpointS: 60, flushMs: 0, emit: (r) => log.push(r) });
  const jpeg = selectEncoder('auto', { quality: 80, format: 'jpeg' }, () => undefined);
  const png = selectEncoder('auto', { quality: 80, format: 'png' }, () => undefined);
  let jpegBytes = 0;
  let pngBytes = 0;
  const play = player(7);
  for (let f = 1; f <= frames; f++) {
    emu.hold(play(), 1);
    emu.step();
    if (f % 6 === 0) {
      const px = emu.screenRgb();
      for (const [enc, add] of [[jpeg, (n) => (jpegBytes += n)], [png, (n) => (pngBytes += n)]]) {
        const data = await enc.encode(px, 160, 144, 3);
        add(frameRecord({ env: 0, seq: f, frame: f, ts: Date.now(), format: enc.format, data, state: {} }).record.length);
      }
    }
  }
  emu.close();
  const bytes = Buffer.concat(log);
  const perHour = (n) => Math.round((n * HOUR) / frames);
  const sizes = { inputs: perHour(bytes.length), jpeg10fps: perHour(jpegBytes), png10fps: perHour(pngBytes) };
  results.push({ name: `inputlog/${name}/bytes-per-env-hour`, ...sizes, jpegOverInputs: +(sizes.jpeg10fps / sizes.inputs).toFixed(1), pngOverInputs: +(sizes.png10fps / sizes.inputs).toFixed(1) });

  // 2. Overhead: alternating 2 s slices of bare and logged stepping (same play), 3 rounds.
  const bare = await createEmulator(rom, { core });
  const logged = new InputLoggingEmulator(await createEmulator(rom, { core }), { env: 0, romSha1: '0'.repeat(40), sound: false, checkpointS: 60, flushMs: 0, emit: () => undefined });
  const rate = (e, ms) => {
    const p = player(3);
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < ms) {
      e.hold(p(), 1);
      e.step();
      n++;
    }
    return n / ((performance.now() - t0) / 1000);
  };
  // The best slice of each: other processes on a shared machine only ever slow a slice down.
  let bareFps = 0;
  let loggedFps = 0;
  for (let round = 0; round < 8; round++) {
    bareFps = Math.max(bareFps, rate(bare, 750));
    loggedFps = Math.max(loggedFps, rate(logged, 750));
  }
  results.push({ name: `inputlog/${name}/overhead`, bareFps: Math.round(bareFps), loggedFps: Math.round(loggedFps), ratio: +(loggedFps / bareFps).toFixed(3) });
  logged.close();

  // 3. Re-render the whole log (verifying checkpoints) over the bare core.
  const index = await readInputLog(memoryByteSource(bytes));
  const episode = index.envs.get(0)[0];
  const r = new Rerenderer(rom);
  await r.verify(episode); // loads the core
  let rerenderFps = 0;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    const before = r.stepped;
    await r.verify(episode);
    rerenderFps = Math.max(rerenderFps, (r.stepped - before) / ((performance.now() - t0) / 1000));
  }
  results.push({ name: `inputlog/${name}/rerender`, fps: Math.round(rerenderFps), bareFps: Math.round(bareFps), ratio: +(rerenderFps / bareFps).toFixed(3), verified: r.verified, desync: r.desync ?? null });

  // 4. Seek: 10 random frames; the time to the first picture.
  const seeks = [];
  const p = player(11);
  for (let i = 0; i < 10; i++) {
    const target = episode.startFrame + 1 + (((p().length + 1) * 7919 * (i + 1)) % (episode.endFrame - episode.startFrame));
    const s0 = performance.now();
    for await (const _ of r.frames(episode, target, target)) void _;
    seeks.push((performance.now() - s0) / 1000);
  }
  results.push({ name: `inputlog/${name}/seek`, worstS: +Math.max(...seeks).toFixed(3), meanS: +(seeks.reduce((a, b) => a + b, 0) / seeks.length).toFixed(3) });
  r.close();

  // 4b. `replay --rom`: seek commands over /ws (command → ack: the picture has gone out), and the
  // focused env's frames/s at speed 1 and 8 with --fps 60.
  results.push(await replaySeek(romPath, bytes, episode, name));

  // 5. Lossless MP4 of 600 re-rendered frames.
  try {
    findFfmpeg();
    const dir = mkdtempSync(join(tmpdir(), 'gbs-bench-'));
    const writer = new VideoWriter({ format: 'mp4', out: join(dir, 'o.mp4'), width: 160, height: 144, fps: 60, scale: 1, lossless: true });
    const r2 = new Rerenderer(rom);
    const m0 = performance.now();
    let n = 0;
    for await (const f of r2.frames(episode, episode.startFrame + 1, episode.startFrame + 600)) {
      await writer.write(f.rgb);
      n++;
    }
    await writer.finish();
    results.push({ name: `inputlog/${name}/mp4`, fps: Math.round(n / ((performance.now() - m0) / 1000)) });
    r2.close();
    rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    results.push({ name: `inputlog/${name}/mp4`, skipped: err.message });
  }
  ratios[`inputlog/${name}/overhead`] = results.find((x) => x.name === `inputlog/${name}/overhead`).ratio;
  ratios[`inputlog/${name}/rerender`] = results.find((x) => x.name === `inputlog/${name}/rerender`).ratio;
}

async function replaySeek(romPath, bytes, episode, name) {
  const dir = mkdtempSync(join(tmpdir(), 'gbs-bench-'));
  const file = join(dir, 'log.gbrec');
  writeFileSync(file, bytes);
  const replaying = await replayInputs({ file, rom: romPath, port: 0, host: '127.0.0.1', fps: 60, speed: 1, loop: true, format: 'jpeg', log: silentLogger() });
  const ws = new WebSocket(replaying.server.url.replace(/^http/, 'ws') + 'ws');
  const waiting = new Map();
  let frames = 0;
  ws.on('message', (data) => {
    for (const m of decodeRecords(new Uint8Array(data))) {
      if (m.type === 'frame') frames++;
      if (m.id !== undefined && waiting.has(m.id)) waiting.get(m.id)(m);
    }
  });
  await new Promise((resolve) => ws.once('open', resolve));
  let id = 0;
  const ask = (m) => new Promise((resolve) => {
    waiting.set(++id, resolve);
    ws.send(encodeRecord({ ...m, type: 'command', id }));
  });
  await ask({ name: 'pause' });
  const seeks = [];
  for (let i = 0; i < 10; i++) {
    const target = episode.startFrame + 1 + ((7919 * (i + 3) * 131) % (episode.endFrame - episode.startFrame));
    const s0 = performance.now();
    const answer = await ask({ env: 0, name: 'seek', args: { frame: target } });
    if (answer.type !== 'ack') throw new Error(JSON.stringify(answer));
    seeks.push((performance.now() - s0) / 1000);
  }
  const playFps = {};
  for (const speed of [1, 8]) {
    await ask({ name: 'speed', args: { value: speed } });
    await ask({ name: 'resume' });
    const f0 = frames;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    playFps[speed] = +((frames - f0) / 3).toFixed(1);
    await ask({ name: 'pause' });
  }
  ws.close();
  await replaying.stop();
  rmSync(dir, { recursive: true, force: true });
  return { name: `inputlog/${name}/replay-seek`, worstS: +Math.max(...seeks).toFixed(3), meanS: +(seeks.reduce((a, b) => a + b, 0) / seeks.length).toFixed(3), playFps };
}

for (const rom of roms) await measure(rom);
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
console.log(`inputlog on ${coreName}, ${args.minutes} emulated minutes per ROM, load ${machine().loadavg.join(' ')}`);
for (const x of results) {
  if (x.name.endsWith('bytes-per-env-hour')) console.log(`${x.name.padEnd(44)} inputs ${mb(x.inputs)}  jpeg@10fps ${mb(x.jpeg10fps)} (${x.jpegOverInputs}×)  png@10fps ${mb(x.png10fps)} (${x.pngOverInputs}×)`);
  else if (x.name.endsWith('overhead')) console.log(`${x.name.padEnd(44)} bare ${x.bareFps} frames/s, logged ${x.loggedFps} frames/s: ×${x.ratio}`);
  else if (x.name.endsWith('rerender')) console.log(`${x.name.padEnd(44)} ${x.fps} frames/s = ×${x.ratio} of the bare core; ${x.verified} checkpoints verified${x.desync ? ', DESYNC' : ''}`);
  else if (x.name.endsWith('replay-seek')) console.log(`${x.name.padEnd(44)} seek over /ws worst ${x.worstS} s, mean ${x.meanS} s; playing at --fps 60: ${x.playFps[1]} frames/s at 1×, ${x.playFps[8]} at 8×`);
  else if (x.name.endsWith('seek')) console.log(`${x.name.padEnd(44)} worst ${x.worstS} s, mean ${x.meanS} s (checkpoint every 60 s)`);
  else console.log(`${x.name.padEnd(44)} ${x.skipped ?? `${x.fps} frames/s`}`);
}
if (args.json) writeFileSync(args.json, JSON.stringify({ machine: machine(), core: coreName, results, ratios }, null, 2));
