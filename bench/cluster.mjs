#!/usr/bin/env node
/**
 * A cluster on this machine: a real nats-server and three `gbstream hub` processes (A, B, C);
 * three real Python publishers send 288 envs to A (96 each, state at 10 Hz). A viewer on C
 * watches 16 of A's envs (one focused at the stream's 10 fps, 15 thumbnails at 2 fps); a viewer
 * on A watches the same focused env. Reports the focused env's fps on C, the latency C adds over
 * A (per frame, same clock), what crosses the bus per second (frames, states, the rest) and per
 * unwatched env, and each node's CPU.
 *
 *   npm run build && node bench/cluster.mjs [--seconds 20] [--json FILE]
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { benchArgs } from './args.mjs';
import { connect } from '@nats-io/transport-node';
import WebSocket from 'ws';
import { decodeRecords, encodeRecord } from '../dist/protocol/record.js';
import { machine } from './machine.mjs';

const args = benchArgs(import.meta.url, { seconds: { type: 'string', default: '20' }, json: { type: 'string' } });
const seconds = Number(args.seconds);
if (!(seconds >= 5 && seconds <= 120)) {
  console.error('bench/cluster: --seconds must be 5–120');
  process.exit(2);
}
const TOKEN = 'cluster-bench-token';
const PUBLISHERS = 3;
const PER_PUBLISHER = 96;
const THUMBS = 15;
const CLK_TCK = 100;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cpuOf = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
};
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const children = [];
const cleanup = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.on('exit', cleanup);

async function startNats() {
  const port = await freePort();
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  await new Promise((resolve, reject) => {
    let log = '';
    const on = (d) => {
      log += d;
      if (log.includes('Server is ready')) resolve();
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`nats-server exited ${code}: ${log}`)));
  });
  return `nats://127.0.0.1:${port}`;
}

function startHub(node, nats) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli/main.js', 'hub', '--port', '0', '--fps', '10', '--state-fps', '10', '--control-token', TOKEN, '--node', node, '--cluster', nats], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GBSTREAM_LOG_FORMAT: 'json' },
    });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /viewer (http:\/\/\S+\/)/.exec(out);
      if (m) resolve({ node, child, url: m[1], ws: m[1].replace(/^http/, 'ws') + 'ws' });
    });
    child.stderr.on('data', () => undefined);
    child.once('exit', (code) => reject(new Error(`hub ${node} exited ${code}`)));
  });
}

function startPublisher(wsUrl, name) {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['test/fixtures/publisher.py', wsUrl, TOKEN, String(PER_PUBLISHER), name, '0.02'], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('"ready"')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`publisher exited ${code}`)));
  });
}

/** A viewer: its env list (hello, then GBS_ENVS_CHANGED), and each frame's arrival time by env and seq. */
function viewer(wsUrl) {
  const v = { envs: [], arrivals: new Map(), counts: new Map(), ws: new WebSocket(wsUrl) };
  v.ws.on('message', (data) => {
    const now = Date.now();
    for (const m of decodeRecords(new Uint8Array(data))) {
      if (m.type === 'hello') v.envs = m.envList ?? [];
      if (m.type === 'event' && m.code === 'GBS_ENVS_CHANGED') v.envs = m.envs;
      if (m.type === 'frame') {
        v.counts.set(m.env, (v.counts.get(m.env) ?? 0) + 1);
        v.arrivals.set(`${m.env}/${m.seq}`, { at: now, ts: m.ts });
      }
    }
  });
  return v;
}

const nats = await startNats();
const [a, b, c] = [await startHub('A', nats), await startHub('B', nats), await startHub('C', nats)];
const publishers = [];
for (let i = 0; i < PUBLISHERS; i++) publishers.push(await startPublisher(a.ws, `run-${i}`));

// What crosses the bus, by kind (a plain subscriber: it holds no lease, so it adds no demand).
const bus = await connect({ servers: nats.replace('nats://', '') });
const busBytes = { frame: 0, states: 0, other: 0 };
let frameMsgs = 0;
bus.subscribe('gbs.v1.>', {
  callback: (_err, msg) => {
    const kind = msg.subject.split('.')[2];
    if (kind === 'frame') frameMsgs++;
    busBytes[kind === 'frame' || kind === 'states' ? kind : 'other'] += msg.data.byteLength;
  },
});

const onA = viewer(a.ws);
const onC = viewer(c.ws);
await Promise.all([onA, onC].map((v) => new Promise((r) => v.ws.once('open', r))));
for (let i = 0; onC.envs.filter((e) => e.node === 'A').length < PUBLISHERS * PER_PUBLISHER; i++) {
  if (i > 200) throw new Error(`C lists ${onC.envs.filter((e) => e.node === 'A').length} of A's envs`);
  await sleep(100);
}
while (onA.envs.length < PUBLISHERS * PER_PUBLISHER) await sleep(50);
const remote = onC.envs.filter((e) => e.node === 'A').sort((x, y) => x.env - y.env);
const focusedOnC = remote[0].env;
const focusedLabel = remote[0].label.slice('A/'.length);
const focusedOnA = onA.envs.find((e) => e.label === focusedLabel)?.env;
if (focusedOnA === undefined) throw new Error(`A lists ${onA.envs.length} envs, not ${focusedLabel}: ${JSON.stringify(onA.envs.slice(0, 3))}`);
onC.ws.send(encodeRecord({ type: 'subscribe', id: 1, envs: [focusedOnC], thumbs: remote.slice(1, 1 + THUMBS).map((e) => e.env), thumbFps: 2 }));
onA.ws.send(encodeRecord({ type: 'subscribe', id: 1, envs: [focusedOnA] }));
await sleep(4000); // warm up: leases and publisher demand settle

const t0 = performance.now();
const cpu0 = [a, b, c].map((n) => cpuOf(n.child.pid));
const bytes0 = { ...busBytes };
const frames0 = frameMsgs;
onA.arrivals.clear();
onC.arrivals.clear();
onC.counts.clear();
const perSecond = [];
for (let s = 0; s < seconds; s++) {
  const before = onC.counts.get(focusedOnC) ?? 0;
  await sleep(1000);
  perSecond.push((onC.counts.get(focusedOnC) ?? 0) - before);
}
const wallS = (performance.now() - t0) / 1000;
const cpu = [a, b, c].map((n, i) => ((cpuOf(n.child.pid) - cpu0[i]) / wallS) * 100);

// Added latency: the same frame (A's seq) seen on A and on C; both clocks are this machine's.
const added = [];
const lagA = [];
const lagC = [];
for (const [key, atC] of onC.arrivals) {
  const [env, seq] = key.split('/').map(Number);
  if (env !== focusedOnC) continue;
  const atA = onA.arrivals.get(`${focusedOnA}/${seq}`);
  if (!atA) continue;
  added.push(atC.at - atA.at);
  lagA.push(atA.at - atA.ts);
  lagC.push(atC.at - atC.ts);
}
const pct = (xs, p) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};
const rate = (k) => (busBytes[k] - bytes0[k]) / wallS;
const sortedFps = [...perSecond].sort((x, y) => x - y);
const unwatched = PUBLISHERS * PER_PUBLISHER - 1 - THUMBS;
const result = {
  machine: machine(),
  seconds: Number(wallS.toFixed(1)),
  envs: PUBLISHERS * PER_PUBLISHER,
  focusedFpsOnC: { median: sortedFps[sortedFps.length >> 1], min: sortedFps[0], mean: Number((perSecond.reduce((x, y) => x + y, 0) / perSecond.length).toFixed(2)) },
  addedLatencyMs: { p50: pct(added, 0.5), p90: pct(added, 0.9), frames: added.length },
  latencyFromCaptureMs: { onA: pct(lagA, 0.5), onC: pct(lagC, 0.5) },
  busBytesPerS: { frames: Math.round(rate('frame')), states: Math.round(rate('states')), other: Math.round(rate('other')) },
  busFramesPerS: Number(((frameMsgs - frames0) / wallS).toFixed(1)),
  stateBytesPerSPerEnv: Math.round(rate('states') / (PUBLISHERS * PER_PUBLISHER)),
  cpuPercentOfOneCore: { A: Number(cpu[0].toFixed(1)), B: Number(cpu[1].toFixed(1)), C: Number(cpu[2].toFixed(1)) },
};

console.log(`cluster bench: ${result.envs} envs published to node A, a viewer on C watching 16 (1 at 10 fps, ${THUMBS} thumbnails at 2 fps); three hubs + nats-server on this machine; ${result.seconds} s`);
console.log(`  focused env on C        ${result.focusedFpsOnC.median} fps median, ${result.focusedFpsOnC.min} min, ${result.focusedFpsOnC.mean} mean (1 s windows)`);
console.log(`  added latency A→C       p50 ${result.addedLatencyMs.p50} ms, p90 ${result.addedLatencyMs.p90} ms (${result.addedLatencyMs.frames} frames seen on both)`);
console.log(`  capture → viewer p50    on A ${result.latencyFromCaptureMs.onA} ms, on C ${result.latencyFromCaptureMs.onC} ms`);
console.log(`  bus                     frames ${result.busBytesPerS.frames} B/s (${result.busFramesPerS} frames/s), states ${result.busBytesPerS.states} B/s, announcements+leases ${result.busBytesPerS.other} B/s`);
console.log(`  an unwatched env costs  ${result.stateBytesPerSPerEnv} B/s of state on the bus (${unwatched} unwatched envs, no frames)`);
console.log(`  CPU (% of one core)     A ${result.cpuPercentOfOneCore.A}, B ${result.cpuPercentOfOneCore.B}, C ${result.cpuPercentOfOneCore.C}`);
console.log(`  machine                 ${result.machine.cpus} × ${result.machine.model}, load ${result.machine.loadavg.join(' ')}`);
if (args.json) writeFileSync(args.json, JSON.stringify(result, null, 2));

onA.ws.close();
onC.ws.close();
await bus.close();
for (const p of publishers) p.stdin.end();
await sleep(300);
cleanup();
process.exit(0);
