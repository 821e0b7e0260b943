/**
 * The viewer at training scale in a real Chromium against a real hub fed by three real Python
 * publishers (96 envs each, 288 in all): the grid lists every env by label, asks for thumbnails
 * of the cells on screen only (the publishers' `wants` say so), shows the focused env at full
 * rate, filters and sorts by label or state, follows the best env by a state field, and drops a
 * gone publisher's envs to "gone".
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type HubServing } from '../../src/app/hub.js';
import { silentLogger } from '../../src/log.js';
import { ARTIFACTS, launchChromium } from '../helpers/browser.js';
import { hasPython, PythonPublisher, TOKEN } from '../helpers/python-publisher.js';

const PER_PUBLISHER = 96;
let browser: Browser;
let serving: HubServing;
const publishers: PythonPublisher[] = [];

const text = (page: Page, selector: string) => page.locator(selector).textContent();
/** The red value at the centre of a canvas (the publishers' screens are flat gray shades). */
const shadeOf = (page: Page, selector: string) =>
  page.evaluate((sel) => {
    const c = document.querySelector<HTMLCanvasElement>(sel)!;
    return c.getContext('2d')!.getImageData(c.width >> 1, c.height >> 1, 1, 1).data[0]!;
  }, selector);
/** Env i of a fixture publisher draws (40 i + 20) mod 256; JPEG keeps a flat shade within a step or two. */
const near = (want: number) => (got: number) => Math.abs(got - want) <= 3;
const wanted = () => publishers.reduce((n, p) => n + (p.lastWants()?.filter(Boolean).length ?? 0), 0);

describe.skipIf(!hasPython)('the viewer with 288 published envs', () => {
  beforeAll(async () => {
    serving = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, control: { mode: 'token', token: TOKEN }, log: silentLogger() });
    const wsUrl = serving.server.url.replace(/^http/, 'ws') + 'ws';
    // One after another, so ids are run-a 0–95, run-b 96–191, run-c 192–287.
    for (const name of ['run-a', 'run-b', 'run-c']) {
      const p = new PythonPublisher(wsUrl, PER_PUBLISHER, name, { pause: 0.05 });
      publishers.push(p);
      await p.ready();
    }
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    for (const p of publishers) p.proc.kill('SIGKILL');
    await serving?.stop();
  });

  it('lists all 288, decodes only what is on screen, and sorts, filters and follows by state', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(serving.server.url);
    await expect.poll(() => text(page, '#status-text'), { timeout: 10_000 }).toBe('Live');
    await expect.poll(() => page.locator('.env-cell').count(), { timeout: 10_000 }).toBe(288);
    expect(await text(page, '#grid-count')).toBe('288 of 288 shown');
    expect(await page.locator('#env-grid').getAttribute('class')).toContain('compact');
    expect(await text(page, '.env-cell[data-env="100"] .env-label')).toBe('run-b/4');

    // Thumbnails on screen draw their env's picture; the focus view draws env 0's.
    await expect.poll(async () => near(20)(await shadeOf(page, '#screen')), { timeout: 10_000 }).toBe(true);
    await expect.poll(async () => near((40 * 3 + 20) % 256)(await shadeOf(page, '.env-cell[data-env="3"] canvas')), { timeout: 10_000 }).toBe(true);
    await expect.poll(async () => near((40 * 5 + 20) % 256)(await shadeOf(page, '.env-cell[data-env="5"] canvas')), { timeout: 10_000 }).toBe(true);

    // Only the cells on screen (plus the focused env) are asked of the publishers, not all 288.
    await expect.poll(wanted, { timeout: 10_000 }).toBeGreaterThan(1);
    const onScreen = wanted();
    expect(onScreen).toBeLessThan(288);
    // Scrolling to the end asks for other envs (the last one among them).
    expect(await shadeOf(page, '.env-cell[data-env="287"] canvas')).toBe(0);
    await page.locator('.env-cell[data-env="287"]').scrollIntoViewIfNeeded();
    await expect.poll(() => publishers[2]!.lastWants()?.[PER_PUBLISHER - 1], { timeout: 10_000 }).toBe(true);
    // A cell that scrolls into view gets its frames (issue 21: it stayed black).
    await expect.poll(async () => near((40 * 95 + 20) % 256)(await shadeOf(page, '.env-cell[data-env="287"] canvas')), { timeout: 2000 }).toBe(true);
    // Published envs take no input here: no d-pad, no "Emulator speed"; the header names the hub once.
    expect(await page.locator('#controls').isVisible()).toBe(false);
    expect(await page.locator('#stat-speed').isVisible()).toBe(false);
    expect(await text(page, 'h1')).toBe('gbstream hub');
    await expect.poll(() => publishers[0]!.lastWants()?.[40], { timeout: 10_000 }).toBe(false);
    await page.evaluate(() => window.scrollTo(0, 0));

    // The focused env (env 0) plays at the stream's rate.
    await expect.poll(async () => Number(await text(page, '#stat-fps')), { timeout: 15_000 }).toBeGreaterThanOrEqual(7);

    // Filter by label, then by a state field.
    await page.locator('[data-grid="filter"]').fill('run-b/');
    await expect.poll(() => text(page, '#grid-count')).toBe('96 of 288 shown');
    await page.locator('[data-grid="filter"]').fill('env>90');
    await expect.poll(() => text(page, '#grid-count'), { timeout: 10_000 }).toBe('15 of 288 shown'); // env 91–95 in each run
    await page.locator('[data-grid="filter"]').fill('');

    // Sort by a state field, highest first: an env whose state says env 95 leads.
    await expect.poll(() => page.locator('[data-grid="sort"] option[value="field:env"]').count(), { timeout: 10_000 }).toBe(1);
    await page.locator('[data-grid="sort"]').selectOption('field:env');
    await expect.poll(() => page.locator('.env-cell').first().getAttribute('data-env')).toBe('95');

    // Follow the best env by "env": the focus moves to env 95 (the lowest id of the ties).
    await page.locator('[data-grid="follow"]').selectOption('env');
    await expect.poll(() => text(page, '#focus-env'), { timeout: 10_000 }).toBe('Showing run-a/95 (env 95) of 288');
    await expect.poll(async () => near((40 * 95 + 20) % 256)(await shadeOf(page, '#screen')), { timeout: 10_000 }).toBe(true);
    await expect.poll(async () => near((40 * 94 + 20) % 256)(await shadeOf(page, '.env-cell[data-env="94"] canvas')), { timeout: 10_000 }).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/viewer-hub-288.png` });

    // A publisher that goes away: its 96 envs stay listed, marked gone.
    publishers[1]!.proc.kill('SIGKILL');
    await expect.poll(() => page.locator('.env-cell.gone').count(), { timeout: 10_000 }).toBe(96);
    expect(await text(page, '.env-cell[data-env="100"] .env-label')).toBe('run-b/4 · gone');
    expect(errors).toEqual([]);
    await page.close();
  });
});
