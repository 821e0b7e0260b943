/**
 * The Map view in real Chromium: StreamWrapper agents (sent by a real python3) drawn as dots of
 * their colour where the Kanto layout puts them, hover labels, the heatmap toggle, 288 agents at
 * once; gbstream's own demo envs on the map through a position declaration, and a click on an
 * env's dot focusing its video.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replay } from '../../src/app/replay.js';
import { serve, type Serving } from '../../src/app/serve.js';
import { silentLogger } from '../../src/log.js';
import type { ApiMapAgent } from '../../src/map/positions.js';
import { ARTIFACTS, launchChromium, openPage } from '../helpers/browser.js';
import { testServeOptions } from '../helpers/serve-options.js';
import { runWrapper } from '../helpers/stream-wrapper.js';
import { TestClient } from '../helpers/ws-client.js';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

const open = (url: string) => openPage(browser, url, { width: 1280, height: 1000 });

/** Opens the Map view and waits until it has drawn `agents` agents. */
async function showMap(page: Page, agents: number): Promise<void> {
  await page.waitForSelector('#map-toggle', { state: 'visible', timeout: 10_000 });
  await page.click('#map-toggle');
  await expect.poll(() => page.locator('#map-canvas').getAttribute('data-agents'), { timeout: 10_000 }).toBe(String(agents));
}

/** RGB of one canvas pixel, and where that pixel is on the page (for the mouse). */
function canvasPixel(page: Page, x: number, y: number): Promise<{ rgb: [number, number, number]; clientX: number; clientY: number }> {
  return page.evaluate(
    ([px, py]) => {
      const c = document.getElementById('map-canvas') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(px!, py!, 1, 1).data;
      // Bring the pixel to the middle of the viewport, so the mouse can reach it.
      let r = c.getBoundingClientRect();
      window.scrollBy(0, r.top + ((py! + 0.5) * r.height) / c.height - window.innerHeight / 2);
      r = c.getBoundingClientRect();
      return { rgb: [d[0]!, d[1]!, d[2]!] as [number, number, number], clientX: r.left + ((px! + 0.5) * r.width) / c.width, clientY: r.top + ((py! + 0.5) * r.height) / c.height };
    },
    [x, y],
  );
}

/** The canvas pixel at the centre of layout cell (gx, gy), through the view's camera (data-view: scale, left cell, top cell). */
async function cellPixel(page: Page, gx: number, gy: number) {
  const view = (await page.locator('#map-canvas').getAttribute('data-view')) ?? '';
  const [scale, ox, oy] = view.split(' ').map(Number) as [number, number, number];
  return canvasPixel(page, Math.floor((gx + 0.5 - ox) * scale), Math.floor((gy + 0.5 - oy) * scale));
}

const hex = (rgb: [number, number, number]) => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
const getMap = async (s: Serving) => (await (await fetch(`${s.server.url}api/map`)).json()) as { agents: ApiMapAgent[] };

describe('Map view in real Chromium', () => {
  it('draws StreamWrapper agents in their colours at their Kanto positions; hover, heatmap, 288 agents', async () => {
    const serving = await serve(testServeOptions());
    const url = serving.server.url.replace(/^http/, 'ws') + 'broadcast';
    const { page, errors } = await open(serving.server.url);
    try {
      await runWrapper({
        url,
        messages: [
          { metadata: { user: 'ash', env_id: 0, color: '#0033ff', extra: 'coords: 4', sprite_id: 0 }, coords: [[5, 6, 0], [5, 7, 0], [5, 8, 0], [6, 8, 0]] },
          { metadata: { user: 'misty', env_id: 1, color: '#ff3300', extra: 'coords: 1', sprite_id: 0 }, coords: [[10, 3, 3]] },
        ],
      });
      await showMap(page, 2);
      // Kanto, whole: ash (Pallet Town 64,318 + 6,8) and misty (Cerulean 234,120 + 10,3).
      expect(hex((await cellPixel(page, 70, 326)).rgb)).toBe('#0033ff');
      expect(hex((await cellPixel(page, 244, 123)).rgb)).toBe('#ff3300');
      // Somewhere no agent went: the background or a map outline, nothing bright.
      expect(Math.max(...(await cellPixel(page, 400, 20)).rgb)).toBeLessThan(0x40);

      // Hover shows the label and the wrapper's extra text.
      const ash = await cellPixel(page, 70, 326);
      await page.mouse.move(ash.clientX, ash.clientY);
      await expect.poll(() => page.locator('#map-tip').textContent()).toMatch(/^ash #0 — coords: 4 — Pallet Town \(6, 8\)$/);
      expect(await page.locator('#map-tip').isVisible()).toBe(true);

      // The wheel zooms about the cursor: ash stays under it, and cells grow past the dots' size.
      const scaleNow = async () => Number(((await page.locator('#map-canvas').getAttribute('data-view')) ?? '').split(' ')[0]);
      const fitScale = await scaleNow();
      await page.mouse.wheel(0, -700);
      await expect.poll(scaleNow).toBeGreaterThan(fitScale * 4);
      expect(hex((await cellPixel(page, 70, 326)).rgb)).toBe('#0033ff');

      // The heatmap paints visited cells (ash's first step, 69,324, has only a faint trail without it).
      const before = (await cellPixel(page, 69, 324)).rgb;
      await page.check('#map-heat');
      await expect.poll(async () => (await cellPixel(page, 69, 324)).rgb[0], { timeout: 5000 }).toBeGreaterThan(before[0] + 60);
      await page.screenshot({ path: `${ARTIFACTS}/viewer-map.png` });

      // 288 more agents with 64-step trails (8 trainers × 36 envs, one socket per trainer here).
      const trainers = Array.from({ length: 8 }, (_, t) =>
        runWrapper({
          url,
          messages: Array.from({ length: 36 }, (_, e) => {
            const i = t * 36 + e;
            return { metadata: { user: `trainer${t}`, env_id: e, color: `#${((i * 2654435761) >>> 8).toString(16).padStart(6, '0').slice(0, 6)}`, extra: '' }, coords: Array.from({ length: 64 }, (_, k) => [(i + k) % 20, (Math.floor(i / 20) + (k >> 3)) % 18, i % 11]) };
          }),
        }),
      );
      for (const r of await Promise.all(trainers)) expect(r).toMatchObject({ connected: true, sent: 36 });
      await expect.poll(() => page.locator('#map-canvas').getAttribute('data-agents'), { timeout: 10_000 }).toBe('290');
      await expect.poll(() => page.locator('#map-count').textContent()).toBe('290 agents');
      // Every draw is a whole redraw; toggling the heatmap forces some. The times are reported, not judged.
      const draws: number[] = [];
      for (let i = 0; i < 6; i++) {
        const last = await page.locator('#map-canvas').getAttribute('data-draws');
        await page.click('#map-heat');
        await expect.poll(() => page.locator('#map-canvas').getAttribute('data-draws')).not.toBe(last);
        draws.push(Number(await page.locator('#map-canvas').getAttribute('data-draw-ms')));
      }
      console.log(`map view: whole redraws of 290 agents (64-point trails), heatmap off/on alternately, in headless Chromium: ${draws.join(', ')} ms`);
      await page.screenshot({ path: `${ARTIFACTS}/viewer-map-288.png` });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await serving.stop();
    }
  });

  it('shows gbstream envs from their memory map position; clicking an env focuses its video', async () => {
    const serving = await serve(testServeOptions({ envs: 2, map: 'test/fixtures/demo-position.json', control: { mode: 'open' } }));
    const { page, errors } = await open(serving.server.url);
    try {
      // Walk env 1 right so its dot is away from env 0's.
      const ws = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
      await ws.opened();
      await ws.request({ type: 'input', id: 1, env: 1, buttons: ['right'], frames: 120 });
      let agents: ApiMapAgent[] = [];
      await expect
        .poll(async () => {
          agents = (await getMap(serving)).agents;
          const [a, b] = [agents.find((x) => x.env === 0), agents.find((x) => x.env === 1)];
          return a && b && a.gx !== null && b.gx !== null ? b.gx - a.gx : 0;
        }, { timeout: 15_000 })
        .toBeGreaterThan(60);
      await Promise.all(serving.envs.map((e) => e.command('pause', {})));
      ws.ws.close();
      await showMap(page, 2);
      await page.waitForTimeout(600); // positions sent after the pause have arrived
      agents = (await getMap(serving)).agents;
      const env1 = agents.find((x) => x.env === 1)!;
      const dot = await cellPixel(page, env1.gx!, env1.gy!);
      expect(hex(dot.rgb)).toBe(env1.color);
      const [scale, ox, oy] = ((await page.locator('#map-canvas').getAttribute('data-view')) ?? '').split(' ').map(Number) as [number, number, number];
      await page.screenshot({ path: `${ARTIFACTS}/viewer-map-envs.png` });
      // Click where the dot is at the moment of the click (the page may have shifted since: a
      // message line, a grid cell), as the browser would deliver it.
      await page.evaluate(([x, y]) => {
        const c = document.getElementById('map-canvas') as HTMLCanvasElement;
        const r = c.getBoundingClientRect();
        c.dispatchEvent(new MouseEvent('click', { bubbles: true, clientX: r.left + ((x! + 0.5) * r.width) / c.width, clientY: r.top + ((y! + 0.5) * r.height) / c.height }));
      }, [Math.floor((env1.gx! + 0.5 - ox) * scale), Math.floor((env1.gy! + 0.5 - oy) * scale)]);
      await expect.poll(() => page.locator('#focus-env').textContent(), { timeout: 5000 }).toBe('Showing env 1 of 2');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await serving.stop();
    }
  });

  it('replays a recording with the map: the dots are drawn where they were live', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'gbs-map-e2e-')), 'map.gbrec');
    const serving = await serve(testServeOptions({ record: { file } }));
    await runWrapper({ url: serving.server.url.replace(/^http/, 'ws') + 'broadcast', messages: [{ metadata: { user: 'ash', env_id: 0, color: '#00ff66', extra: '' }, coords: [[3, 4, 1], [3, 5, 1]] }] });
    const viewer = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
    await viewer.waitFor((m) => m.type === 'positions');
    await viewer.waitFor((m) => m.type === 'frame', 15_000, viewer.messages.length);
    viewer.ws.close();
    await serving.stop();

    const replaying = await replay({ file, port: 0, host: '127.0.0.1', speed: 1, loop: true, log: silentLogger() });
    const { page, errors } = await open(replaying.server.url);
    try {
      await showMap(page, 1);
      // Viridian City (map 1) is at (54, 246): ash ends at (57, 251).
      expect(hex((await cellPixel(page, 57, 251)).rgb)).toBe('#00ff66');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await replaying.stop();
    }
  });

  it('draws the user’s background picture under the map', async () => {
    const png = new PNG({ width: 4, height: 4 });
    for (let i = 0; i < png.data.length; i += 4) png.data.set([0x20, 0x40, 0x80, 0xff], i);
    const file = join(await mkdtemp(join(tmpdir(), 'gbs-map-bg-')), 'bg.png');
    await writeFile(file, PNG.sync.write(png));
    const serving = await serve(testServeOptions({ mapBackground: file }));
    const { page, errors } = await open(serving.server.url);
    try {
      await runWrapper({ url: serving.server.url.replace(/^http/, 'ws') + 'broadcast', messages: [{ metadata: { user: 'ash', env_id: 0, color: '#ffffff' }, coords: [[1, 1, 0]] }] });
      await showMap(page, 1);
      // A cell no map outline touches shows the picture.
      const { regions } = (await (await fetch(`${serving.server.url}api/map/layout`)).json()) as { regions: Array<{ x: number; y: number; width: number; height: number }> };
      const touched = (gx: number, gy: number) => regions.some((r) => gx >= r.x - 1 && gx <= r.x + r.width && gy >= r.y - 1 && gy <= r.y + r.height);
      let cell = { gx: 0, gy: 0 };
      for (let i = 20; i < 436 * 444 && touched(cell.gx, cell.gy); i += 7) cell = { gx: i % 436, gy: Math.floor(i / 436) };
      expect(touched(cell.gx, cell.gy)).toBe(false);
      await expect.poll(async () => hex((await cellPixel(page, cell.gx, cell.gy)).rgb), { timeout: 5000 }).toBe('#204080');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await serving.stop();
    }
  });

  it('in the HTTP fallback (no WebSocket), polls GET api/map and draws the same map', async () => {
    const serving = await serve(testServeOptions());
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    try {
      await runWrapper({ url: serving.server.url.replace(/^http/, 'ws') + 'broadcast', messages: [{ metadata: { user: 'ash', env_id: 0, color: '#ffcc00' }, coords: [[3, 4, 1], [3, 5, 1]] }] });
      await page.addInitScript(() => {
        (window as unknown as { WebSocket?: unknown }).WebSocket = undefined;
      });
      await page.goto(serving.server.url);
      await expect.poll(() => page.locator('#status-text').textContent(), { timeout: 10_000 }).toBe('HTTP fallback (polling)');
      await showMap(page, 1);
      expect(hex((await cellPixel(page, 57, 251)).rgb)).toBe('#ffcc00');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await serving.stop();
    }
  });
});
