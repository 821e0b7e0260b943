#!/usr/bin/env node
/**
 * map-view/* — the viewer's Map view redraw in headless Chromium (Debian's, via playwright-core):
 * a whole redraw of N agents with 64-step trails over the world picture, for N = 288 (the anchor's
 * fleet) and 2,000 side by side (issue 26 asks ≤ 8 ms at 2,000). The picture is drawn from
 * Pokémon Yellow when the serverboy package has it (else the map has outlines only). A redraw is
 * forced by switching the heatmap off and on; only the heatmap-off draws are counted, as the
 * view's own `data-draw-ms` reports them.
 *
 *   npm run build && node bench/map-view.bench.mjs [--draws 20] [--json FILE]
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './args.mjs';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { machine } from './machine.mjs';
import { serve } from '../dist/app/serve.js';
import { silentLogger } from '../dist/log.js';
import { layoutPath, loadLayout } from '../dist/map/layout.js';
import { renderWorld } from '../dist/map/rom/render.js';
import { findMapTables } from '../dist/map/rom/tables.js';
import { encodeWorldPng } from '../dist/map/rom/world-png.js';
import { LAYOUTS_DIR } from '../dist/paths.js';

const args = benchArgs(import.meta.url, { json: { type: 'string' }, draws: { type: 'string', default: '20' }, filter: { type: 'string' } });
const CHROMIUM = process.env.GBSTREAM_CHROMIUM ?? '/usr/bin/chromium';
const YELLOW = 'node_modules/serverboy/roms/pokeyellow.gbc';
if (!existsSync(CHROMIUM)) {
  console.log(`map-view: skipped (no Chromium at ${CHROMIUM})`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ machine: machine(), results: [] }));
  process.exit(0);
}

let background;
if (existsSync(YELLOW)) {
  const rom = new Uint8Array(await readFile(YELLOW));
  background = join(mkdtempSync(join(tmpdir(), 'gbs-bench-view-')), 'kanto.png');
  writeFileSync(background, encodeWorldPng(renderWorld(rom, findMapTables(rom), await loadLayout(layoutPath('kanto-map-layout', LAYOUTS_DIR)))));
}

/** Sends `count` agents (ids from `from`), each with a 64-step walk, as StreamWrapper messages: one socket per 32 (a trainer's envs; the endpoint rate-limits each socket). */
async function sendAgents(url, from, count) {
  const sockets = [];
  for (let first = from; first < from + count; first += 32) {
    sockets.push(
      (async () => {
        const ws = new WebSocket(url);
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
        for (let i = first; i < Math.min(first + 32, from + count); i++) {
          const color = `#${((i * 2654435761) >>> 8).toString(16).padStart(6, '0').slice(0, 6)}`;
          const coords = Array.from({ length: 64 }, (_, k) => [(i + k) % 20, (Math.floor(i / 20) + (k >> 3)) % 18, i % 37]);
          ws.send(JSON.stringify({ metadata: { user: `trainer${i >> 5}`, env_id: i, color, extra: '' }, coords }));
        }
        await new Promise((r) => setTimeout(r, 500));
        ws.close();
      })(),
    );
  }
  await Promise.all(sockets);
}

const serving = await serve({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, speed: 1, policy: { kind: 'idle' }, seed: 1, force: false, sound: false, core: 'serverboy', log: silentLogger(), mapBackground: background });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
const results = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(serving.server.url);
  const url = serving.server.url.replace(/^http/, 'ws') + 'broadcast';
  let sent = 0;
  for (const n of [288, 2000]) {
    await sendAgents(url, sent, n - sent);
    sent = n;
    if (n === 288) {
      await page.waitForSelector('#map-toggle', { state: 'visible', timeout: 15_000 });
      await page.click('#map-toggle');
    }
    await page.waitForFunction((want) => document.getElementById('map-canvas')?.dataset.agents === String(want), n, { timeout: 30_000 });
    await page.waitForTimeout(1500); // the background picture has loaded and been drawn
    const ms = [];
    for (let i = 0; i < 2 * Number(args.draws); i++) {
      const last = await page.locator('#map-canvas').getAttribute('data-draws');
      await page.click('#map-heat');
      await page.waitForFunction((d) => document.getElementById('map-canvas')?.dataset.draws !== d, last);
      if (!(await page.isChecked('#map-heat'))) ms.push(Number(await page.locator('#map-canvas').getAttribute('data-draw-ms')));
    }
    ms.sort((a, b) => a - b);
    const median = ms[Math.floor(ms.length / 2)];
    const p90 = ms[Math.floor(ms.length * 0.9)];
    results.push({ name: `map-view/redraw-${n}-agents`, hz: 1000 / median, rme: 0, samples: ms.length, msPerOp: median, p90Ms: p90, maxMs: ms[ms.length - 1] });
  }
} finally {
  await browser.close();
  await serving.stop();
}
console.table(results.map((r) => ({ case: r.name, 'median ms': r.msPerOp.toFixed(2), 'p90 ms': r.p90Ms.toFixed(2), 'max ms': r.maxMs.toFixed(2), draws: r.samples })));
const [a, b] = results;
const ratios = a && b ? { 'map-view redraw 2000 / 288 agents': b.msPerOp / a.msPerOp } : {};
console.log(`background: ${background ? 'drawn from Pokémon Yellow' : 'none (outlines)'}; 2,000-agent redraw budget 8 ms; load ${machine().loadavg.join(' ')}`);
if (args.json) writeFileSync(args.json, JSON.stringify({ machine: machine(), results, ratios }, null, 2));
