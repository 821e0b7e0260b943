#!/usr/bin/env node
/**
 * Load / fan-out benchmark: a real `gbstream serve` process on loopback, N WebSocket viewers in
 * this process, plus one raw TCP client that completes the handshake and never reads.
 * Bounded in count and time; stops by itself. Reports per run: delivered fps per viewer (min,
 * p50), frames dropped, publish→receive latency (p50, p99; `ts` is stamped at capture, so this
 * includes encoding), and the server's RSS and CPU.
 *
 *   npm run build && node bench/load.mjs [--viewers 100,500] [--seconds 10] [--fps 10] [--json FILE]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import { parseArgsOrExit } from './args.mjs';
import WebSocket from 'ws';
import { decodeRecords } from '../dist/protocol/record.js';

const { values: args } = parseArgsOrExit(import.meta.url, {
  options: {
    viewers: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    fps: { type: 'string', default: '10' },
    stalled: { type: 'string', default: '1' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log('usage: node bench/load.mjs [--viewers 1,10,100,500] [--seconds 10] [--fps 10] [--stalled 1] [--json FILE]');
  process.exit(0);
}
const counts = args.viewers.split(',').map(Number);
const seconds = Number(args.seconds);
const MAX_VIEWERS = 2000;
const MAX_SECONDS = 120;
if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_VIEWERS) || !(seconds > 0 && seconds <= MAX_SECONDS)) {
  console.error(`bench/load: --viewers must be integers 1–${MAX_VIEWERS} and --seconds 1–${MAX_SECONDS}`);
  process.exit(2);
}

const CLK_TCK = 100; // Linux USER_HZ
function procStat(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime + stime, s
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
  return { cpu, rss };
}

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli/main.js', 'serve', '--port', '0', '--fps', args.fps, '--policy', 'random'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GBSTREAM_LOG_LEVEL: 'warn', GBSTREAM_LOG_FORMAT: 'json' },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /WebSocket (ws:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

function stalledClient(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(port), hostname, () => {
      s.write(`GET /ws HTTP/1.1\r\nHost: ${hostname}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    s.once('data', () => {
      s.pause();
      resolve(s);
    });
    s.on('error', () => undefined);
  });
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

async function run(n) {
  const { child, url } = await startServer();
  const stalled = [];
  for (let i = 0; i < Number(args.stalled); i++) stalled.push(await stalledClient(url));
  const viewers = [];
  for (let i = 0; i < n; i++) {
    const v = { frames: 0, dropped: 0, latencies: [], ws: new WebSocket(url, { perMessageDeflate: false }) };
    v.ws.on('message', (data) => {
      const now = Date.now();
      for (const m of decodeRecords(new Uint8Array(data))) {
        if (m.type === 'frame' && v.measuring) {
          v.frames++;
          v.latencies.push(now - m.ts);
        } else if (m.type === 'stats') v.dropped = m.dropped;
      }
    });
    v.ws.on('error', () => undefined);
    viewers.push(v);
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20)); // don't SYN-flood the backlog
  }
  await Promise.all(viewers.map((v) => (v.ws.readyState === WebSocket.OPEN ? null : new Promise((r) => v.ws.once('open', r)))));
  await new Promise((r) => setTimeout(r, 1000)); // settle
  const dropsBefore = viewers.map((v) => v.dropped);
  const before = procStat(child.pid);
  const t0 = performance.now();
  for (const v of viewers) v.measuring = true;
  let tick = 0;
  while (performance.now() - t0 < seconds * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    process.stderr.write(`\r  ${n} viewers: ${++tick}/${seconds} s`);
  }
  for (const v of viewers) v.measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  const after = procStat(child.pid);
  await new Promise((r) => setTimeout(r, 1100)); // one more stats record
  process.stderr.write('\n');
  const fps = viewers.map((v) => v.frames / elapsed).sort((a, b) => a - b);
  const lat = viewers.flatMap((v) => v.latencies).sort((a, b) => a - b);
  const dropped = viewers.reduce((s, v, i) => s + (v.dropped - dropsBefore[i]), 0);
  const result = {
    name: `fanout/${n}`,
    hz: Number(pct(fps, 50).toFixed(2)),
    viewers: n,
    stalledClients: stalled.length,
    seconds: Number(elapsed.toFixed(1)),
    fpsMin: Number(fps[0].toFixed(2)),
    fpsP50: Number(pct(fps, 50).toFixed(2)),
    droppedPerViewer: Number((dropped / n).toFixed(2)),
    latencyP50Ms: pct(lat, 50),
    latencyP99Ms: pct(lat, 99),
    serverRssMiB: Number((after.rss / 2 ** 20).toFixed(1)),
    serverCpuPercent: Number((((after.cpu - before.cpu) / elapsed) * 100).toFixed(1)),
  };
  for (const v of viewers) v.ws.terminate();
  for (const s of stalled) s.destroy();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return result;
}

const results = [];
for (const n of counts) results.push(await run(n));
console.table(results.map(({ name, ...r }) => ({ case: name, ...r })));
if (args.json) {
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
  writeFileSync(args.json, JSON.stringify({ machine, results }, null, 2));
}
