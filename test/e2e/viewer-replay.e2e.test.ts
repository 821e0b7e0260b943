/**
 * The viewer's replay controls in real Chromium against `gbstream replay` of a golden fixture:
 * shown only for replays, and pause, speed and seek reach the player as acked commands.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay, type Replaying } from '../../src/app/replay.js';
import { silentLogger } from '../../src/log.js';
import { ARTIFACTS, launchChromium } from '../helpers/browser.js';

const GOOD = new URL('../fixtures/good.gbrec', import.meta.url).pathname;
let browser: Browser;
let running: Replaying;

beforeAll(async () => {
  browser = await launchChromium();
  running = await replay({ file: GOOD, port: 0, host: '127.0.0.1', speed: 1, loop: true, log: silentLogger() });
});

afterAll(async () => {
  await running?.stop();
  await browser?.close();
});

describe('viewer replay controls in real Chromium', () => {
  it('pause, speed and seek drive the replay', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(running.server.url);
      await page.waitForSelector('#replay', { state: 'visible', timeout: 10_000 });
      await expect.poll(() => page.locator('#status-text').textContent(), { timeout: 5000 }).toBe('Live — replay of a recording');
      await expect.poll(() => page.locator('#replay-position').textContent(), { timeout: 5000 }).toMatch(/^0:0\d \/ 0:0[12]$/);

      await page.click('#replay-pause');
      await expect.poll(() => running.player.paused, { timeout: 5000 }).toBe(true);
      expect(await page.locator('#replay-pause').textContent()).toBe('Resume');

      await page.selectOption('#replay-speed', '2');
      await expect.poll(() => running.player.speed, { timeout: 5000 }).toBe(2);

      await page.evaluate(() => {
        const seek = document.getElementById('replay-seek') as HTMLInputElement;
        seek.value = '1500';
        seek.dispatchEvent(new Event('change'));
      });
      await expect.poll(() => Math.round(running.player.positionMs / 100), { timeout: 5000 }).toBe(15);

      await page.click('#replay-pause');
      await expect.poll(() => running.player.paused, { timeout: 5000 }).toBe(false);
      await page.screenshot({ path: `${ARTIFACTS}/viewer-replay.png` });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
