/**
 * Capabilities drive the viewer (issue 21), in real Chromium against a real hub fed by publishers
 * that speak the wire protocol: published envs get no d-pad and no "Emulator speed", the header
 * names the hub once, and a grid cell that scrolls into view gets frames within 2 s. Against
 * `serve`, the d-pad and "Emulator speed" are there.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type HubServing } from '../../src/app/hub.js';
import { serve, type Serving } from '../../src/app/serve.js';
import { silentLogger } from '../../src/log.js';
import { ARTIFACTS, launchChromium } from '../helpers/browser.js';
import { testServeOptions } from '../helpers/serve-options.js';
import { shadeOf, TsPublisher } from '../helpers/ts-publisher.js';

const TOKEN = 'capabilities-token';
const PER_PUBLISHER = 50;
let browser: Browser;

/** The red value at the centre of a canvas (0 while nothing was drawn). */
const centre = (page: Page, selector: string) =>
  page.evaluate((sel) => {
    const c = document.querySelector<HTMLCanvasElement>(sel)!;
    return c.getContext('2d')!.getImageData(c.width >> 1, c.height >> 1, 1, 1).data[0]!;
  }, selector);

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('a hub in Chromium', () => {
  let serving: HubServing;
  const publishers: TsPublisher[] = [];
  beforeAll(async () => {
    serving = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 90, control: { mode: 'token', token: TOKEN }, log: silentLogger() });
  });
  afterAll(async () => {
    for (const p of publishers) p.close();
    await serving?.stop();
  });

  it('draws no d-pad for published envs, names the hub once, and feeds a cell that scrolls into view within 2 s', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    try {
      // The page first, the publishers later: cells made while the grid grows.
      await page.goto(serving.server.url);
      await expect.poll(() => page.locator('#status-text').textContent(), { timeout: 10_000 }).toBe('Live');
      const wsUrl = serving.server.url.replace(/^http/, 'ws') + 'ws';
      for (const name of ['a', 'b', 'c', 'd']) publishers.push(await TsPublisher.start(wsUrl, PER_PUBLISHER, name, TOKEN));
      await expect.poll(() => page.locator('.env-cell').count(), { timeout: 10_000 }).toBe(4 * PER_PUBLISHER);
      expect(await page.locator('h1').textContent()).toBe('gbstream hub');
      expect(await page.locator('#controls').isVisible()).toBe(false);
      expect(await page.locator('#stat-speed').isVisible()).toBe(false);
      expect(await page.locator('#stat-speed-label').isVisible()).toBe(false);
      // Keys send nothing for an env that takes no input (no refusal to show either).
      await page.keyboard.press('ArrowUp');
      await page.waitForTimeout(300);
      expect(await page.locator('#message').isVisible()).toBe(false);

      // The last env is far off screen: nothing drawn, not wanted.
      const last = `.env-cell[data-env="${4 * PER_PUBLISHER - 1}"] canvas`;
      expect(await centre(page, last)).toBe(0);
      expect(publishers[3]!.wanted).toBe(0);
      await page.locator(last).scrollIntoViewIfNeeded();
      // The bound: a frame within 2 s of scrolling (thumbnails come at a few per second).
      await expect.poll(() => centre(page, last), { timeout: 2000, interval: 50 }).toBeGreaterThan(0);
      expect(Math.abs((await centre(page, last)) - shadeOf(PER_PUBLISHER - 1))).toBeLessThanOrEqual(3);
      await page.screenshot({ path: `${ARTIFACTS}/viewer-hub-capabilities.png` });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('serve in Chromium', () => {
  let serving: Serving;
  beforeAll(async () => {
    serving = await serve(testServeOptions({ control: { mode: 'open' } }));
  });
  afterAll(async () => {
    await serving?.stop();
  });

  it('draws the d-pad and Emulator speed for a local emulator, and names the ROM', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(serving.server.url);
      await expect.poll(() => page.locator('#status-text').textContent(), { timeout: 10_000 }).toBe('Live');
      expect(await page.locator('#rom-title').textContent()).toBe('GBSTREAM DEMO');
      expect(await page.locator('#controls').isVisible()).toBe(true);
      expect(await page.locator('#stat-speed').isVisible()).toBe(true);
      await expect.poll(() => page.locator('#stat-speed').textContent(), { timeout: 5000 }).toMatch(/×$/);
    } finally {
      await page.close();
    }
  });
});
