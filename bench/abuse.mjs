#!/usr/bin/env node
/**
 * Abuse bench (issue 22): one honest viewer watches a real `gbstream serve` (dist/ build, a control
 * token, recording to a temp dir) while hostile clients of every socket kind run for `--seconds`
 * (bench/abuse-attackers.mjs, another process: /ws floods and never-reading sockets, pre-auth
 * publisher floods, /broadcast and POST /api/progress with wrong tokens, agents with bursts of long
 * steps that disconnect mid-step), and a standalone `gbstream hub` takes issue 22 item 1's attack
 * (publisher sockets that flood `announce` before auth and never read) for `--hub-seconds`.
 *
 * A quiet baseline is measured first in the same run (same server, same viewer, no attackers), so
 * the numbers that matter are ratios. Prints: the honest viewer's fps and frame latency (p50, p99),
 * `/api/health` latency (median, p99, max) probed every 100 ms, the server's RSS growth and CPU,
 * the hub's RSS growth, how long the attacking agents' `reset` waited after the previous agent left
 * mid-step, whether the recording made meanwhile is intact (`gbstream inspect`), and the load.
 * A bench, not a test: nothing here fails on a number.
 *
 *   npm run build && node bench/abuse.mjs [--seconds 30] [--baseline 10] [--hub-seconds 30] [--env-thread] [--only K,…] [--json FILE]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { decodeRecords } from '../dist/protocol/record.js';
import { machine } from './machine.mjs';

const USAGE = `usage: node bench/abuse.mjs [options]   (after npm run build)

  --seconds N       attack length against the serve process, 5–300 (default 30)
  --baseline N      quiet seconds measured first, 3–120 (default 10)
  --hub-seconds N   item-1 attack on the hub, 0–300, 0 = no hub (default 30)
  --rom FILE        ROM to serve (default: the Pokémon Yellow serverboy carries, else the demo)
  --core C          serverboy or gambatte (default serverboy: it runs on the main thread and is slow)
  --envs N          envs to serve, 1–8 (default 1: the env runs on the main thread)
  --env-thread      serve --env-thread: a single env runs in a worker thread
  --only K,…        only these attacks: ws-flood, ws-badauth, stalled, pub-flood, broadcast,
                    progress, agents (default all)
  --json FILE       also write the numbers as JSON
  -h, --help        this text`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      seconds: { type: 'string', default: '30' },
      baseline: { type: 'string', default: '10' },
      'hub-seconds': { type: 'string', default: '30' },
      rom: { type: 'string' },
      core: { type: 'string', default: 'serverboy' },
      envs: { type: 'string', default: '1' },
      'env-thread': { type: 'boolean', default: false },
      json: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (err) {
  console.error(`bench/abuse: ${err.message}`);
  process.exit(2);
}
const args = parsed;
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const ATTACKS = ['ws-flood', 'ws-badauth', 'stalled', 'pub-flood', 'broadcast', 'progress', 'agents'];
const seconds = Number(args.seconds);
const baseline = Number(args.baseline);
const hubSeconds = Number(args['hub-seconds']);
const envs = Number(args.envs);
const bad = [
  !(Number.isInteger(seconds) && seconds >= 5 && seconds <= 300) && `--seconds must be 5–300, got ${args.seconds}`,
  !(Number.isInteger(baseline) && baseline >= 3 && baseline <= 120) && `--baseline must be 3–120, got ${args.baseline}`,
  !(Number.isInteger(hubSeconds) && hubSeconds >= 0 && hubSeconds <= 300) && `--hub-seconds must be 0–300, got ${args['hub-seconds']}`,
  !(Number.isInteger(envs) && envs >= 1 && envs <= 8) && `--envs must be 1–8, got ${args.envs}`,
  !['serverboy', 'gambatte'].includes(args.core) && `--core must be serverboy or gambatte, got ${args.core}`,
  args.only && args.only.split(',').find((k) => !ATTACKS.includes(k)) !== undefined && `--only takes ${ATTACKS.join(', ')}; got ${args.only}`,
].filter(Boolean);
if (bad.length) {
  console.error(`bench/abuse: ${bad[0]}`);
  process.exit(2);
}
const YELLOW = 'node_modules/serverboy/roms/pokeyellow.gbc';
const rom = args.rom ?? (tryRead(YELLOW) ? YELLOW : undefined);
const TOKEN = 'abuse-bench-token-0123456789';
const CLK_TCK = 100; // Linux USER_HZ
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const round = (n, d = 1) => Number(n.toFixed(d));
const mib = (bytes) => round(bytes / 2 ** 20);

function tryRead(path) {
  try {
    return readFileSync(path).byteLength > 0;
  } catch {
    return false;
  }
}

function proc(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
  return { cpu, rss };
}

/** Starts `gbstream <argv>` from dist/ and resolves with its http URL once it prints it. */
function start(argv, pattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli/main.js', ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GBSTREAM_LOG_LEVEL: 'error', GBSTREAM_LOG_FORMAT: 'json' },
    });
    let out = '';
    const onData = (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) resolve({ child, url: m[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`gbstream ${argv[0]} exited ${code}: ${out.slice(-500)}`)));
  });
}

/** The honest viewer: every frame's delivery latency (ts is stamped at capture) in the current phase. */
function viewer(url) {
  const v = { phase: 'settle', frames: { settle: 0, quiet: 0, attack: 0 }, latency: { settle: [], quiet: [], attack: [] }, closed: false };
  v.ws = new WebSocket(url.replace(/^http/, 'ws') + 'ws', { perMessageDeflate: false, localAddress: '127.0.0.1' });
  v.ws.on('message', (data) => {
    const now = Date.now();
    for (const m of decodeRecords(new Uint8Array(data))) {
      if (m.type !== 'frame') continue;
      v.frames[v.phase]++;
      v.latency[v.phase].push(now - m.ts);
    }
  });
  v.ws.on('close', (code, reason) => (v.closed = `${code} ${reason}`));
  v.ws.on('error', () => undefined);
  return v;
}

/** GET /api/health every 100 ms (one at a time); latency per phase, ms. */
function healthProbe(url, state) {
  const times = { settle: [], quiet: [], attack: [] };
  let running = true;
  const done = (async () => {
    while (running) {
      const phase = state.phase;
      const t0 = performance.now();
      try {
        const res = await fetch(url + 'api/health', { signal: AbortSignal.timeout(5000) });
        await res.text();
        times[phase].push(performance.now() - t0);
      } catch {
        times[phase].push(5000);
      }
      await sleep(100);
    }
  })();
  return { times, stop: () => ((running = false), done) };
}

const loadBefore = os.loadavg();
const dir = mkdtempSync(join(os.tmpdir(), 'gbs-abuse-'));
const recording = join(dir, 'abuse.gbrec');
const serveArgs = ['serve', ...(rom ? [rom] : []), '--port', '0', '--core', args.core, '--envs', String(envs), ...(args['env-thread'] ? ['--env-thread'] : []), '--control-token', TOKEN, '--record', recording, '--fps', '10'];
console.error(`bench/abuse: gbstream ${serveArgs.join(' ').replace(TOKEN, 'TOKEN')}; load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
const server = await start(serveArgs, /WebSocket (ws:\/\/\S+)\/ws/);
const serveUrl = server.url.replace(/^ws/, 'http') + '/';
const hub = hubSeconds > 0 ? await start(['hub', '--port', '0', '--control-token', TOKEN], /viewer (http:\/\/\S+\/)/) : undefined;

const v = viewer(serveUrl);
const health = healthProbe(serveUrl, v);
await sleep(2000); // the viewer's first frames, the JIT warm
v.phase = 'quiet';
let cpu0 = proc(server.child.pid);
let t0 = performance.now();
await sleep(baseline * 1000);
const quiet = { seconds: (performance.now() - t0) / 1000, cpu: proc(server.child.pid).cpu - cpu0.cpu, rss: proc(server.child.pid).rss };

// The attack.
v.phase = 'attack';
const hubRss0 = hub ? proc(hub.child.pid).rss : 0;
cpu0 = proc(server.child.pid);
t0 = performance.now();
const attackers = spawn(process.execPath, ['bench/abuse-attackers.mjs', '--serve', serveUrl, ...(hub ? ['--hub', hub.url] : []), '--token', TOKEN, '--seconds', String(seconds), '--hub-seconds', String(hubSeconds), ...(args.only ? ['--only', args.only] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
let attackOut = '';
attackers.stdout.on('data', (d) => (attackOut += d));
const attackersDone = new Promise((r) => attackers.once('exit', r));
let serverPeak = quiet.rss;
let hubPeak = hubRss0;
let attackerCpu = 0;
const sampler = setInterval(() => {
  try {
    serverPeak = Math.max(serverPeak, proc(server.child.pid).rss);
    if (hub) hubPeak = Math.max(hubPeak, proc(hub.child.pid).rss);
    attackerCpu = proc(attackers.pid).cpu;
  } catch {
    // a process that just exited
  }
}, 250);
let tick = 0;
const stopTicks = setInterval(() => process.stderr.write(`\r  attack: ${++tick} s`), 1000);
await attackersDone;
clearInterval(stopTicks);
process.stderr.write('\n');
const attackSeconds = (performance.now() - t0) / 1000;
const attackEnd = proc(server.child.pid);
const hubEnd = hub ? proc(hub.child.pid).rss : 0;
clearInterval(sampler);
const loadAfter = os.loadavg();
const viewerClosed = v.closed;
v.phase = 'settle';
await health.stop();
v.ws.terminate();

// The recording made during all of it, after a clean stop.
server.child.kill('SIGTERM');
await new Promise((r) => server.child.once('exit', r));
hub?.child.kill('SIGTERM');
const inspect = spawnSync(process.execPath, ['dist/cli/main.js', 'inspect', '--json', recording], { encoding: 'utf8' });
let report;
try {
  report = JSON.parse(inspect.stdout);
} catch {
  report = undefined;
}
const intact = inspect.status === 0 && report !== undefined && !report.truncated && report.corrupt === 0 && report.issues.length === 0;
rmSync(dir, { recursive: true, force: true });

let counts = {};
try {
  counts = JSON.parse(attackOut.trim().split('\n').at(-1));
} catch {
  counts = { error: `attackers printed no counts: ${attackOut.slice(-200)}` };
}
const phase = (name, secs) => ({
  viewerFps: round(v.frames[name] / secs),
  viewerLatencyP50Ms: pct(v.latency[name], 50),
  viewerLatencyP99Ms: pct(v.latency[name], 99),
  healthMedianMs: round(pct(health.times[name], 50)),
  healthP99Ms: round(pct(health.times[name], 99)),
  healthMaxMs: round(Math.max(...health.times[name])),
  healthProbes: health.times[name].length,
});
const result = {
  command: `node bench/abuse.mjs --seconds ${seconds} --baseline ${baseline} --hub-seconds ${hubSeconds}${args.rom ? ` --rom ${args.rom}` : ''}${args.only ? ` --only ${args.only}` : ''} --core ${args.core} --envs ${envs}${args['env-thread'] ? ' --env-thread' : ''}`,
  rom: rom ?? 'demo',
  quiet: { seconds: round(quiet.seconds), ...phase('quiet', quiet.seconds), serverCpuPercent: round((quiet.cpu / quiet.seconds) * 100), serverRssMiB: mib(quiet.rss) },
  attack: {
    seconds: round(attackSeconds),
    ...phase('attack', attackSeconds),
    serverCpuPercent: round(((attackEnd.cpu - cpu0.cpu) / attackSeconds) * 100),
    serverRssGrowthMiB: { peak: mib(serverPeak - quiet.rss), end: mib(attackEnd.rss - quiet.rss) },
    attackerCpuPercent: round((attackerCpu / attackSeconds) * 100),
    viewerStillConnected: viewerClosed === false ? true : `no: closed ${viewerClosed}`,
  },
  hub: hub ? { seconds: hubSeconds, rssStartMiB: mib(hubRss0), rssGrowthMiB: { peak: mib(hubPeak - hubRss0), end: mib(hubEnd - hubRss0) } } : undefined,
  recording: { intact, frames: report?.frames, measuredFps: report?.measuredFps, truncated: report?.truncated, corrupt: report?.corrupt, issues: report?.issues?.length, durationS: report ? round(report.durationMs / 1000) : undefined },
  attackers: counts,
  load: { before: loadBefore.map((l) => round(l, 2)), after: loadAfter.map((l) => round(l, 2)), cpus: os.cpus().length },
};

console.log(`\n${result.command}   (load before ${result.load.before.join(' ')}, after ${result.load.after.join(' ')}; ${result.load.cpus} cores)`);
console.table({
  quiet: { ...phase('quiet', quiet.seconds), serverCpu: `${result.quiet.serverCpuPercent}%` },
  attack: { ...phase('attack', attackSeconds), serverCpu: `${result.attack.serverCpuPercent}%` },
});
console.log(`viewer fps attack/quiet ${round(result.attack.viewerFps / result.quiet.viewerFps, 2)}, latency p99 attack/quiet ${round(result.attack.viewerLatencyP99Ms / result.quiet.viewerLatencyP99Ms, 2)}; viewer still connected: ${result.attack.viewerStillConnected}`);
console.log(`server RSS ${result.quiet.serverRssMiB} MiB quiet, growth under attack: peak +${result.attack.serverRssGrowthMiB.peak} MiB, end +${result.attack.serverRssGrowthMiB.end} MiB; attackers' CPU ${result.attack.attackerCpuPercent}%`);
if (result.hub) console.log(`hub RSS ${result.hub.rssStartMiB} MiB, growth under ${hubSeconds} s of the item-1 attack: peak +${result.hub.rssGrowthMiB.peak} MiB, end +${result.hub.rssGrowthMiB.end} MiB (target ≤ 32)`);
const waits = counts.agents?.resetWaitMs;
if (waits) console.log(`agents: ${counts.agents.sessions} sessions left mid-burst; the next reset waited median ${waits.median} ms, max ${waits.max} ms (n=${waits.n})`);
console.log(`recording: ${intact ? 'intact' : 'DAMAGED'} (${result.recording.frames} frames, ${result.recording.measuredFps} fps over ${result.recording.durationS} s, truncated ${result.recording.truncated}, corrupt ${result.recording.corrupt})`);
console.log(`attackers: ${JSON.stringify({ ...counts, agents: undefined })}`);
if (args.json) writeFileSync(args.json, JSON.stringify({ machine: machine(), ...result }, null, 2));
process.exit(0);
