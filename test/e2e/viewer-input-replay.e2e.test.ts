/**
 * The same viewer on `replay --rom` in real Chromium: a replay bar and header like a frame
 * replay's, the canvas showing exactly a re-rendered picture of the input log, and the bar's
 * pause and seek moving the re-emulation (after a seek to 1.5 s, the canvas shows the picture of
 * position 89, frame 90).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayInputs, type InputReplaying } from '../../src/app/replay-inputs.js';
import { silentLogger } from '../../src/log.js';
import { DEMO_ROM_PATH } from '../../src/paths.js';
import { Rerenderer } from '../../src/record/inputs/rerender.js';
import { ARTIFACTS, launchChromium, openPage, rgbHash, screenHash } from '../helpers/browser.js';
import { liveRun, logOf } from '../helpers/input-log.js';

const dir = mkdtempSync(join(tmpdir(), 'gbs-e2e-inputs-'));
let browser: Browser;
let running: InputReplaying;
/** FNV-1a over RGB of each re-rendered frame, by frame number (one episode: frame = position + 1). */
const pictures = new Map<number, number>();

beforeAll(async () => {
  browser = await launchChromium();
  const live = await liveRun(DEMO_ROM_PATH, { kind: 'serverboy' }, 300, 1, 4, false);
  const file = join(dir, 'inputs.gbrec');
  writeFileSync(file, live.bytes);
  const r = new Rerenderer(new Uint8Array(await readFile(DEMO_ROM_PATH)));
  for await (const f of r.frames((await logOf(live.bytes)).envs.get(0)![0]!)) pictures.set(f.frame, rgbHash(f.rgb));
  r.close();
  running = await replayInputs({ file, rom: DEMO_ROM_PATH, port: 0, host: '127.0.0.1', fps: 30, speed: 0.5, loop: true, format: 'png', log: silentLogger() });
}, 120_000);

afterAll(async () => {
  await running?.stop();
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the viewer on replay --rom in real Chromium', () => {
  it('shows re-rendered pictures exactly, with the replay bar driving the re-emulation', async () => {
    const { page, errors } = await openPage(browser, running.server.url);
    try {
      await page.waitForSelector('#replay', { state: 'visible', timeout: 10_000 });
      expect(await page.locator('#rom-title').textContent()).toBe('replay of inputs.gbrec');
      expect(await page.locator('#controls').isVisible()).toBe(false);
      await page.waitForSelector('#placeholder', { state: 'hidden', timeout: 15_000 });
      const known = [...pictures.values()];
      await expect.poll(async () => known.includes(await screenHash(page)), { timeout: 10_000, interval: 30 }).toBe(true);

      await page.click('#replay-pause');
      await expect.poll(() => running.source.clock.paused, { timeout: 5000 }).toBe(true);
      await page.evaluate(() => {
        const seek = document.getElementById('replay-seek') as HTMLInputElement;
        seek.value = '1500';
        seek.dispatchEvent(new Event('change'));
      });
      await expect.poll(() => Math.round(running.source.clock.positionMs()), { timeout: 5000 }).toBe(1500);
      // 1.5 s × 59.73 frames/s: position 89, the picture of frame 90.
      await expect.poll(() => screenHash(page), { timeout: 10_000, interval: 50 }).toBe(pictures.get(90));
      await page.screenshot({ path: `${ARTIFACTS}/viewer-input-replay.png` });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
