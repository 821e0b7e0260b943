#!/usr/bin/env node
/**
 * The hostile side of bench/abuse.mjs, in its own process so that its CPU and event loop don't
 * distort what the honest viewer measures. Every kind of socket a site takes, misused for
 * `--seconds` against a `serve` process, plus issue 22 item 1's attack on a `hub` for
 * `--hub-seconds`:
 *
 *   ws-flood     /ws, never authenticates, 4 KiB messages of `input` records as fast as it may
 *   ws-badauth   /ws, wrong tokens (the address is soon refused for every socket kind)
 *   stalled      /ws handshakes that never read a byte (frames pile up for them)
 *   pub-flood    publisher subprotocol, never reads, 1,500 messages of 163 `announce` records
 *                before auth (the item-1 attack; on the serve process and on the hub)
 *   broadcast    /broadcast?token=wrong, reconnecting
 *   progress     POST /api/progress with a wrong token, several at a time
 *   agents       authenticated agents that queue bursts of 600-frame steps on env 0 and
 *                disconnect mid-burst; each measures how long its `reset` waited
 *
 * Hostile kinds connect from their own loopback address (127.0.0.2…), as different machines would:
 * failed auths are counted per address, and the honest viewer and agents on 127.0.0.1 must not be
 * refused because of them. Prints one JSON line of counts when done.
 *
 *   node bench/abuse-attackers.mjs --serve http://127.0.0.1:P/ --hub http://127.0.0.1:Q/ --token T [--seconds 30] [--hub-seconds 30] [--only KIND,…]
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { connect } from 'node:net';
import { parseArgsOrExit } from './args.mjs';
import WebSocket from 'ws';
import { MAX_CLIENT_MESSAGE_BYTES, PUBLISHER_SUBPROTOCOL } from '../dist/protocol/constants.js';
import { decodeRecords, encodeRecord } from '../dist/protocol/record.js';

const { values: args } = parseArgsOrExit(import.meta.url, {
  options: {
    serve: { type: 'string' },
    hub: { type: 'string' },
    token: { type: 'string' },
    seconds: { type: 'string', default: '30' },
    'hub-seconds': { type: 'string', default: '30' },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help || !args.serve || !args.token) {
  console.log('usage: node bench/abuse-attackers.mjs --serve URL --token T [--hub URL] [--seconds 30] [--hub-seconds 30] [--only ws-flood,ws-badauth,stalled,pub-flood,broadcast,progress,agents] (run by bench/abuse.mjs)');
  process.exit(args.help ? 0 : 2);
}

const ADDRESS = { wsFlood: '127.0.0.2', wsBadAuth: '127.0.0.3', stalled: '127.0.0.4', pubFlood: '127.0.0.5', broadcast: '127.0.0.6', progress: '127.0.0.7', hub: '127.0.0.8', agents: '127.0.0.1' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const wsUrl = (base, path) => base.replace(/^http/, 'ws') + path;
const counts = { wsFlood: { connections: 0, messages: 0 }, wsBadAuth: { connections: 0, refusals: {} }, stalled: { connections: 0 }, pubFlood: { connections: 0, messages: 0 }, broadcast: { attempts: 0, statuses: {} }, progress: { requests: 0, statuses: {} }, hubFlood: { connections: 0, messages: 0 }, agents: { sessions: 0, stepsSent: 0, obs: 0, resetWaitMs: [] } };
const tally = (map, key) => (map[key] = (map[key] ?? 0) + 1);

/** Opens a ws from `localAddress`; resolves when open, or undefined when refused. */
function open(url, localAddress, protocols) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, { localAddress, perMessageDeflate: false });
    ws.on('error', () => resolve(undefined));
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ refused: res.statusCode });
    });
    ws.once('open', () => resolve(ws));
  });
}
const closed = (ws) => new Promise((r) => (ws.readyState === WebSocket.CLOSED ? r() : ws.once('close', r)));

/** Runs `attack` in a loop until `until` (performance.now() ms); an attack never throws out. */
async function loop(until, attack) {
  while (performance.now() < until) {
    try {
      await attack();
    } catch {
      await sleep(50);
    }
  }
}

/** A 4 KiB message of many `input` records: a client without control rights gets refusals. */
const inputFlood = (() => {
  const record = encodeRecord({ type: 'input', env: 0, buttons: ['a'], frames: 1 });
  return Buffer.concat(Array.from({ length: Math.floor(MAX_CLIENT_MESSAGE_BYTES / record.byteLength) }, () => record));
})();

/** As many `announce` records as fit in one pre-auth message (163 in the reproduction). */
const announceFlood = (() => {
  const record = encodeRecord({ type: 'announce', envs: 1 });
  return Buffer.concat(Array.from({ length: Math.floor(MAX_CLIENT_MESSAGE_BYTES / record.byteLength) }, () => record));
})();

async function wsFlood(until) {
  const ws = await open(wsUrl(args.serve, 'ws'), ADDRESS.wsFlood);
  if (!ws?.send) return sleep(100);
  counts.wsFlood.connections++;
  ws.on('message', () => undefined);
  while (ws.readyState === WebSocket.OPEN && performance.now() < until) {
    ws.send(inputFlood);
    counts.wsFlood.messages++;
    await sleep(5);
  }
  ws.terminate();
}

async function wsBadAuth(until) {
  const ws = await open(wsUrl(args.serve, 'ws'), ADDRESS.wsBadAuth);
  if (!ws?.send) return sleep(100);
  counts.wsBadAuth.connections++;
  ws.on('message', (data) => {
    for (const m of decodeRecords(new Uint8Array(data))) if (m.type === 'error') tally(counts.wsBadAuth.refusals, m.code);
  });
  for (let i = 0; i < 20 && ws.readyState === WebSocket.OPEN && performance.now() < until; i++) {
    ws.send(encodeRecord({ type: 'auth', id: i, token: `wrong-${i}` }));
    await sleep(20);
  }
  ws.terminate();
}

/** A WebSocket handshake on a raw TCP socket that then never reads. */
function stalled(until) {
  const { hostname, port } = new URL(args.serve);
  return new Promise((resolve) => {
    const s = connect({ port: Number(port), host: hostname, localAddress: ADDRESS.stalled }, () => {
      s.write(`GET /ws HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    s.once('data', () => {
      counts.stalled.connections++;
      s.pause();
    });
    const end = setTimeout(() => s.destroy(), Math.max(0, until - performance.now()));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(end);
      resolve();
    });
  });
}

/** Issue 22 item 1: a publisher that floods `announce` before auth and never reads. */
async function pubFlood(base, address, count, until) {
  const ws = await open(wsUrl(base, 'ws'), address, [PUBLISHER_SUBPROTOCOL]);
  if (!ws?.send) return sleep(100);
  count.connections++;
  ws.pause();
  for (let i = 0; i < 1500 && ws.readyState === WebSocket.OPEN && performance.now() < until; i++) {
    ws.send(announceFlood);
    count.messages++;
    if (i % 100 === 99) await sleep(1);
  }
  await Promise.race([closed(ws), sleep(Math.max(0, until - performance.now()))]);
  ws.terminate();
}

async function broadcast() {
  counts.broadcast.attempts++;
  const ws = await open(wsUrl(args.serve, 'broadcast?token=wrong-token'), ADDRESS.broadcast);
  if (ws?.refused) tally(counts.broadcast.statuses, ws.refused);
  else if (ws?.send) {
    tally(counts.broadcast.statuses, 'open');
    ws.terminate();
  }
  await sleep(5);
}

const progressAgent = new http.Agent({ keepAlive: true, maxSockets: 4, localAddress: ADDRESS.progress });
function progress() {
  const { hostname, port } = new URL(args.serve);
  const body = JSON.stringify({ step: 1, reward: 0.5 });
  return new Promise((resolve) => {
    const req = http.request({ host: hostname, port, path: '/api/progress', method: 'POST', agent: progressAgent, headers: { authorization: 'Bearer wrong-token', 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      counts.progress.requests++;
      tally(counts.progress.statuses, res.statusCode);
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', () => sleep(50).then(resolve));
    req.end(body);
  });
}

/** An agent that takes env 0, queues a burst of long steps and leaves mid-burst. */
async function agent(until) {
  const ws = await open(wsUrl(args.serve, 'ws'), ADDRESS.agents);
  if (!ws?.send) return sleep(100);
  counts.agents.sessions++;
  let resetAt = 0;
  let obs = 0;
  let busy = false;
  const done = new Promise((resolve) => {
    ws.on('message', (data) => {
      for (const m of decodeRecords(new Uint8Array(data))) {
        if (m.type === 'obs' && m.id === 1) counts.agents.resetWaitMs.push(performance.now() - resetAt);
        if (m.type === 'obs' && m.id >= 100) obs++;
        if (m.type === 'error' && m.code === 'GBS_ERR_ENV_BUSY') busy = true;
        if (m.type === 'obs' || m.type === 'error') resolve();
      }
    });
    ws.once('close', resolve);
  });
  ws.send(encodeRecord({ type: 'auth', id: 0, token: args.token }));
  resetAt = performance.now();
  ws.send(encodeRecord({ type: 'reset', id: 1, env: 0 }));
  await Promise.race([done, sleep(10_000)]);
  if (!busy) {
    for (let i = 0; i < 20; i++) ws.send(encodeRecord({ type: 'step', id: 100 + i, env: 0, buttons: ['right'], frames: 600 }));
    counts.agents.stepsSent += 20;
    // Leave in the middle of a step: a little over one step's worth of wall time at most.
    await sleep(Math.min(300 + Math.random() * 1500, Math.max(0, until - performance.now())));
  }
  counts.agents.obs += obs;
  ws.terminate();
  await sleep(busy ? 200 : 0);
}

const now = performance.now();
const until = now + Number(args.seconds) * 1000;
const hubUntil = now + Number(args['hub-seconds']) * 1000;
const KINDS = ['ws-flood', 'ws-badauth', 'stalled', 'pub-flood', 'broadcast', 'progress', 'agents'];
const only = args.only ? args.only.split(',') : KINDS;
const many = (kind, n, f) => (only.includes(kind) ? Array.from({ length: n }, () => f()) : []);
await Promise.all([
  ...many('ws-flood', 4, () => loop(until, () => wsFlood(until))),
  ...many('ws-badauth', 2, () => loop(until, () => wsBadAuth(until))),
  ...many('stalled', 8, () => loop(until, () => stalled(until))),
  ...many('pub-flood', 2, () => loop(until, () => pubFlood(args.serve, ADDRESS.pubFlood, counts.pubFlood, until))),
  ...many('broadcast', 2, () => loop(until, () => broadcast())),
  ...many('progress', 4, () => loop(until, () => progress())),
  ...many('agents', 2, () => loop(until, () => agent(until))),
  ...(args.hub ? Array.from({ length: 2 }, () => loop(hubUntil, () => pubFlood(args.hub, ADDRESS.hub, counts.hubFlood, hubUntil))) : []),
]);
progressAgent.destroy();
const waits = counts.agents.resetWaitMs.sort((a, b) => a - b);
counts.agents.resetWaitMs = { n: waits.length, median: Math.round(waits[Math.floor(waits.length / 2)] ?? NaN), max: Math.round(waits.at(-1) ?? NaN) };
console.log(JSON.stringify(counts));
process.exit(0);
