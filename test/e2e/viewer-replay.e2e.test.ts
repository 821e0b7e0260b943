/**
 * The viewer's replay controls in real Chromium against `gbstream replay` of a golden fixture:
 * shown only for replays, and pause, speed and seek reach the player as acked commands. A replay
 * looks like one (issue 21): the status line says Replay m:ss / m:ss, the header names the file,
 * there is no d-pad and no "Emulator speed", and the speed selector shows the speed playing.
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
  running = await replay({ file: GOOD, port: 0, host: '127.0.0.1', speed: 2, loop: true, log: silentLogger() });
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
      await expect.poll(() => page.locator('#status-text').textContent(), { timeout: 5000 }).toMatch(/^Replay 0:0\d \/ 0:01$/);
      await expect.poll(() => page.locator('#replay-position').textContent(), { timeout: 5000 }).toMatch(/^0:0\d \/ 0:0[12]$/);
      expect(await page.locator('#rom-title').textContent()).toBe('replay of good.gbrec');
      expect(await page.locator('#controls').isVisible()).toBe(false);
      expect(await page.locator('#control-state').isVisible()).toBe(false); // no controls but the replay bar
      expect(await page.locator('#stat-speed').isVisible()).toBe(false);
      // Started with --speed 2: the selector says 2× as stats do, before anyone touched it.
      expect(await page.locator('#replay-speed').inputValue()).toBe('2');
      const statsSpeed = await page.evaluate(() => new Promise<number>((resolve) => {
        const ws = new WebSocket(new URL('ws', location.href).href.replace(/^http/, 'ws'));
        ws.binaryType = 'arraybuffer';
        ws.onmessage = (ev) => {
          const bytes = new Uint8Array(ev.data as ArrayBuffer);
          // A stats record's msgpack carries "speed" followed by its value; find it without a decoder.
          const text = new TextDecoder('latin1').decode(bytes);
          if (text.includes('stats') && text.includes('speed')) {
            ws.close();
            resolve(bytes[text.indexOf('speed') + 5]!);
          }
        };
      }));
      expect(statsSpeed).toBe(2); // msgpack positive fixint 2

      await page.click('#replay-pause');
      await expect.poll(() => running.player.paused, { timeout: 5000 }).toBe(true);
      expect(await page.locator('#replay-pause').textContent()).toBe('Resume');

      await page.selectOption('#replay-speed', '4');
      await expect.poll(() => running.player.speed, { timeout: 5000 }).toBe(4);

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
