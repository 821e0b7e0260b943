/**
 * The Map view as issue 26 asks, in real Chromium at 1280×900: it opens beside the video (and
 * under it on a narrow screen), two agents on one square are both visible, an env at Pokémon
 * Yellow's title screen is not drawn (its memory map's valid_when), and the keyboard zooms and
 * pans when the map has focus (without the arrows reaching the game), and "Follow focused env"
 * keeps the focused env's dot in the middle.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type Serving } from '../../src/app/serve.js';
import type { ApiMapAgent } from '../../src/map/positions.js';
import { ARTIFACTS, launchChromium, openPage } from '../helpers/browser.js';
import { testServeOptions } from '../helpers/serve-options.js';
import { runWrapper } from '../helpers/stream-wrapper.js';
import { TestClient } from '../helpers/ws-client.js';

const YELLOW = 'node_modules/serverboy/roms/pokeyellow.gbc';
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

const open = (url: string, width = 1280, height = 900) => openPage(browser, url, { width, height });

async function showMap(page: Page, agents: number): Promise<void> {
  await page.waitForSelector('#map-toggle', { state: 'visible', timeout: 10_000 });
  await page.click('#map-toggle');
  await expect.poll(() => page.locator('#map-canvas').getAttribute('data-agents'), { timeout: 10_000 }).toBe(String(agents));
}

const view = async (page: Page) => (((await page.locator('#map-canvas').getAttribute('data-view')) ?? '').split(' ').map(Number)) as [number, number, number];
const broadcast = (s: Serving) => s.server.url.replace(/^http/, 'ws') + 'broadcast';

describe('Map view layout and interaction in real Chromium', () => {
  it('opens beside the video at 1280×900, in view; under it at 900 px wide', async () => {
    const serving = await serve(testServeOptions());
    try {
      await runWrapper({ url: broadcast(serving), messages: [{ metadata: { user: 'ash', env_id: 0, color: '#0033ff' }, coords: [[5, 6, 0]] }] });
      const { page, errors } = await open(serving.server.url);
      await showMap(page, 1);
      const stage = (await page.locator('#stage').boundingBox())!;
      const map = (await page.locator('#map-canvas').boundingBox())!;
      expect(map.x).toBeGreaterThanOrEqual(stage.x + stage.width);
      expect(map.y).toBeLessThan(stage.y + stage.height); // side by side, not below
      expect(map.y + 200).toBeLessThan(900); // on screen without scrolling
      expect(map.width).toBeGreaterThan(400);
      await page.screenshot({ path: `${ARTIFACTS}/viewer-map-beside.png` });
      expect(errors).toEqual([]);
      await page.close();

      const narrow = await open(serving.server.url, 900, 900);
      await showMap(narrow.page, 1);
      const stage2 = (await narrow.page.locator('#stage').boundingBox())!;
      const map2 = (await narrow.page.locator('#map-canvas').boundingBox())!;
      expect(map2.y).toBeGreaterThanOrEqual(stage2.y + stage2.height);
      await narrow.page.close();
    } finally {
      await serving.stop();
    }
  });

  it('two agents on one square are both visible', async () => {
    const serving = await serve(testServeOptions());
    try {
      await runWrapper({
        url: broadcast(serving),
        messages: [
          { metadata: { user: 'red', env_id: 0, color: '#ff0000' }, coords: [[5, 6, 0]] },
          { metadata: { user: 'green', env_id: 1, color: '#00ff00' }, coords: [[5, 6, 0]] },
        ],
      });
      const { page, errors } = await open(serving.server.url);
      await showMap(page, 2);
      const [scale, ox, oy] = await view(page);
      const seen = await page.evaluate(
        ([cx, cy]) => {
          const c = document.getElementById('map-canvas') as HTMLCanvasElement;
          const d = c.getContext('2d')!.getImageData(cx! - 24, cy! - 24, 49, 49).data;
          const colours = new Set<string>();
          for (let i = 0; i < d.length; i += 4) colours.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
          return [colours.has('255,0,0'), colours.has('0,255,0')];
        },
        [Math.floor((64 + 5 + 0.5 - ox) * scale), Math.floor((318 + 6 + 0.5 - oy) * scale)],
      );
      expect(seen).toEqual([true, true]);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await serving.stop();
    }
  });

  it.skipIf(!existsSync(YELLOW))("draws no agent for an env at Pokémon Yellow's title screen", async () => {
    const serving = await serve(testServeOptions({ rom: YELLOW, cacheDir: await mkdtemp(join(tmpdir(), 'gbs-map-title-')) }));
    try {
      // The env has run (state read through pokemon-yellow.json) and is at map 0 (0, 0): no game yet.
      await expect
        .poll(async () => {
          const state = (await (await fetch(`${serving.server.url}api/state`)).json()) as Record<string, { frame: number; state: Record<string, number> }>;
          return (state['0']?.frame ?? 0) > 120 ? state['0']!.state : undefined;
        }, { timeout: 30_000 })
        .toMatchObject({ map_id: 0, player_x: 0, player_y: 0 });
      await runWrapper({ url: broadcast(serving), messages: [{ metadata: { user: 'ash', env_id: 0, color: '#0033ff' }, coords: [[5, 6, 0]] }] });
      const { page, errors } = await open(serving.server.url);
      await showMap(page, 1);
      await page.waitForTimeout(1000); // a few more positions flushes
      expect(await page.locator('#map-canvas').getAttribute('data-agents')).toBe('1');
      const { agents } = (await (await fetch(`${serving.server.url}api/map`)).json()) as { agents: ApiMapAgent[] };
      expect(agents.map((a) => a.label)).toEqual(['ash #0']);
      expect(errors.filter((e) => !e.includes('api/map/background'))).toEqual([]);
      await page.close();
    } finally {
      await serving.stop();
    }
  }, 60_000);

  it('follows the focused env: its dot stays in the middle, and moves to the next env focused', async () => {
    const serving = await serve(testServeOptions({ envs: 2, map: 'test/fixtures/demo-position.json', control: { mode: 'open' } }));
    try {
      // Walk env 1 away from env 0, so following one is not following the other.
      const ws = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
      await ws.opened();
      await ws.request({ type: 'input', id: 1, env: 1, buttons: ['right'], frames: 120 });
      await expect
        .poll(async () => {
          const { agents } = (await (await fetch(`${serving.server.url}api/map`)).json()) as { agents: ApiMapAgent[] };
          const [a, b] = [agents.find((x) => x.env === 0), agents.find((x) => x.env === 1)];
          return a && b && a.gx !== null && b.gx !== null ? b.gx - a.gx : 0;
        }, { timeout: 15_000 })
        .toBeGreaterThan(20);
      await Promise.all(serving.envs.map((e) => e.command('pause', {})));
      ws.ws.close();
      const { page, errors } = await open(serving.server.url);
      await showMap(page, 2);
      await page.focus('#map-canvas');
      await page.keyboard.press('+');
      await page.check('#map-follow');
      const centre = async () => {
        const [scale, ox, oy] = await view(page);
        const box = await page.evaluate(() => {
          const c = document.getElementById('map-canvas') as HTMLCanvasElement;
          return [c.width, c.height];
        });
        return [ox + box[0]! / 2 / scale, oy + box[1]! / 2 / scale];
      };
      const agentCell = async (env: number) => {
        const { agents } = (await (await fetch(`${serving.server.url}api/map`)).json()) as { agents: ApiMapAgent[] };
        const a = agents.find((x) => x.env === env)!;
        return [a.gx! + 0.5, a.gy! + 0.5];
      };
      await expect.poll(async () => (await centre()).map((v) => Math.round(v * 2))).toEqual((await agentCell(0)).map((v) => Math.round(v * 2)));
      await page.click('#env-grid [data-env="1"]');
      await expect.poll(async () => (await centre()).map((v) => Math.round(v * 2)), { timeout: 10_000 }).toEqual((await agentCell(1)).map((v) => Math.round(v * 2)));
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await serving.stop();
    }
  });

  it('zooms and pans by keyboard once the map has focus; the arrows stay off the game', async () => {
    const serving = await serve(testServeOptions({ control: { mode: 'open' } }));
    try {
      await runWrapper({ url: broadcast(serving), messages: [{ metadata: { user: 'ash', env_id: 0, color: '#0033ff' }, coords: [[5, 6, 0]] }] });
      const { page, errors } = await open(serving.server.url);
      await showMap(page, 1);
      await page.focus('#map-canvas');
      const [s0, ox0, oy0] = await view(page);
      await page.keyboard.press('+');
      await expect.poll(async () => (await view(page))[0]).toBeCloseTo(s0 * 1.25, 6);
      const [s1, ox1] = await view(page);
      await page.keyboard.press('ArrowRight');
      await expect.poll(async () => (await view(page))[1]).toBeGreaterThan(ox1);
      await page.keyboard.press('ArrowDown');
      await expect.poll(async () => (await view(page))[2]).toBeGreaterThan(oy0);
      await page.keyboard.press('-');
      await expect.poll(async () => (await view(page))[0]).toBeCloseTo(s1 / 1.25, 6);
      await page.keyboard.press('f');
      await expect.poll(async () => (await view(page))[0]).toBe(16); // one agent: fit stops at 16 px a cell
      await page.keyboard.press('0');
      await expect.poll(async () => (await view(page)).join(' ')).toBe([s0, ox0, oy0].join(' '));
      // The demo's player did not move: the arrows went to the map, not to the game.
      const state = (await (await fetch(`${serving.server.url}api/state`)).json()) as Record<string, { state: Record<string, number> }>;
      expect(state['0']!.state).toMatchObject({ x: expect.any(Number) });
      const x0 = state['0']!.state['x'];
      await page.keyboard.press('ArrowRight');
      await page.waitForTimeout(500);
      const after = (await (await fetch(`${serving.server.url}api/state`)).json()) as Record<string, { state: Record<string, number> }>;
      expect(after['0']!.state['x']).toBe(x0);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await serving.stop();
    }
  });
});
