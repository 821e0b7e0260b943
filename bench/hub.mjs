#!/usr/bin/env node
/**
 * Hub at training scale: a real `gbstream hub` process, 288 envs from three real Python
 * publishers (96 each, state at 10 Hz), 16 envs watched at 10 fps by a "wall" client, and one
 * Chromium viewer (virtualised grid of all 288, focused env at full rate, on-screen thumbnails
 * at 2 fps). Reports the hub's CPU (% of one core), the viewer's focused-env fps, how many grid
 * cells it shows, the wall's delivered fps, and the publishers' CPU.
 *
 *   npm run build && node bench/hub.mjs [--seconds 20] [--json FILE]
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { benchArgs } from './args.mjs';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { decodeRecords, encodeRecord } from '../dist/protocol/record.js';
import { machine } from './machine.mjs';

const args = benchArgs(import.meta.url, { seconds: { type: 'string', default: '20' }, json: { type: 'string' } });
const seconds = Number(args.seconds);
if (!(seconds >= 5 && seconds <= 120)) {
  console.error('bench/hub: --seconds must be 5–120');
  process.exit(2);
}
const TOKEN = 'hub-bench-token';
const PUBLISHERS = 3;
const PER_PUBLISHER = 96;
const WALL = 16;
const CLK_TCK = 100;

const cpuOf = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startHub() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli/main.js', 'hub', '--port', '0', '--fps', '10', '--state-fps', '10', '--control-token', TOKEN], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GBSTREAM_LOG_LEVEL: 'warn', GBSTREAM_LOG_FORMAT: 'json' },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /viewer (http:\/\/\S+\/)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.stderr.on('data', () => undefined);
    child.once('exit', (code) => reject(new Error(`hub exited ${code}`)));
  });
}

function startPublisher(wsUrl, name) {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['test/fixtures/publisher.py', wsUrl, TOKEN, String(PER_PUBLISHER), name, '0.02'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('"ready"')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`publisher exited ${code}`)));
  });
}

const hub = await startHub();
const wsUrl = hub.url.replace(/^http/, 'ws') + 'ws';
const publishers = [];
for (let i = 0; i < PUBLISHERS; i++) publishers.push(await startPublisher(wsUrl, `run-${i}`));

// The wall: 16 envs at the stream's rate (10 fps), as a 4×4 monitor would subscribe (no fps cap: a
// cap equal to the publish rate loses frames to jitter, see the README).
const wallCounts = new Map();
const wall = new WebSocket(wsUrl);
wall.on('message', (data) => {
  for (const m of decodeRecords(new Uint8Array(data))) {
    if (m.type === 'hello') wall.send(encodeRecord({ type: 'subscribe', id: 1, envs: [...Array(WALL).keys()] }));
    if (m.type === 'frame') wallCounts.set(m.env, (wallCounts.get(m.env) ?? 0) + 1);
  }
});

const browser = await chromium.launch({ executablePath: process.env.GBSTREAM_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.goto(hub.url);
await page.waitForFunction(() => document.querySelectorAll('.env-cell').length === 288, undefined, { timeout: 20_000 });
await sleep(5000); // warm up: subscriptions settle, demand reaches the publishers

const t0 = performance.now();
const hubCpu0 = cpuOf(hub.child.pid);
const pubCpu0 = publishers.map((p) => cpuOf(p.pid));
wallCounts.clear();
const focusedFps = [];
for (let s = 0; s < seconds; s++) {
  await sleep(1000);
  focusedFps.push(Number(await page.locator('#stat-fps').textContent()));
}
const wallS = (performance.now() - t0) / 1000;
const hubCpu = ((cpuOf(hub.child.pid) - hubCpu0) / wallS) * 100;
const pubCpu = publishers.map((p, i) => ((cpuOf(p.pid) - pubCpu0[i]) / wallS) * 100);
const cells = await page.locator('.env-cell').count();
const wallFps = [...Array(WALL).keys()].map((e) => (wallCounts.get(e) ?? 0) / wallS);
const sorted = [...focusedFps].sort((a, b) => a - b);
const result = {
  machine: machine(),
  seconds: Number(wallS.toFixed(1)),
  envs: PUBLISHERS * PER_PUBLISHER,
  hubCpuPercentOfOneCore: Number(hubCpu.toFixed(1)),
  focusedFps: { median: sorted[sorted.length >> 1], min: sorted[0], mean: Number((focusedFps.reduce((a, b) => a + b, 0) / focusedFps.length).toFixed(2)) },
  gridCells: cells,
  wallFps: { min: Number(Math.min(...wallFps).toFixed(2)), mean: Number((wallFps.reduce((a, b) => a + b, 0) / WALL).toFixed(2)) },
  publisherCpuPercent: pubCpu.map((c) => Number(c.toFixed(1))),
};

console.log(`hub bench: ${result.envs} published envs (state 10 Hz), ${WALL} watched at 10 fps, one Chromium viewer; ${result.seconds} s`);
console.log(`  hub CPU                 ${result.hubCpuPercentOfOneCore} % of one core`);
console.log(`  focused env in viewer   ${result.focusedFps.median} fps median, ${result.focusedFps.min} min, ${result.focusedFps.mean} mean (1 s windows)`);
console.log(`  grid cells in viewer    ${result.gridCells}`);
console.log(`  wall (16 envs @10 fps)  ${result.wallFps.mean} fps mean, ${result.wallFps.min} min per env`);
console.log(`  publishers' CPU         ${result.publisherCpuPercent.join(' %, ')} % (96 envs each, Python)`);
console.log(`  machine                 ${result.machine.cpus} × ${result.machine.model}, load ${result.machine.loadavg.join(' ')}`);
if (args.json) writeFileSync(args.json, JSON.stringify(result, null, 2));

await browser.close();
wall.close();
for (const p of publishers) p.kill('SIGKILL');
hub.child.kill('SIGTERM');
