/**
 * The viewer on one node of a cluster, in a real Chromium: a real Python Publisher sends four envs
 * to hub A; the page on hub B (over a real nats-server) lists them in its grid by node and label,
 * focuses the first of them by itself (B has no env 0), shows its frames, and follows a click to
 * another of A's envs.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type HubServing } from '../../src/app/hub.js';
import { silentLogger } from '../../src/log.js';
import { launchChromium, openPage } from '../helpers/browser.js';
import { natsMissing, NatsServer } from '../helpers/nats-server.js';
import { hasPython, PythonPublisher, TOKEN } from '../helpers/python-publisher.js';

let browser: Browser;
let nats: NatsServer;
let a: HubServing;
let b: HubServing;
let publisher: PythonPublisher;

const hub = (node: string) => startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, control: { mode: 'token', token: TOKEN }, log: silentLogger(), cluster: { url: nats.url, node } });
/** The red value at the centre of the focused canvas (env i of the fixture draws (40 i + 20) mod 256). */
const centre = (page: import('playwright-core').Page) =>
  page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('#screen')!;
    return c.getContext('2d')!.getImageData(c.width >> 1, c.height >> 1, 1, 1).data[0]!;
  });

describe.skipIf(natsMissing !== undefined || !hasPython)("the viewer on node B shows node A's published envs", () => {
  beforeAll(async () => {
    nats = await NatsServer.start();
    a = await hub('A');
    b = await hub('B');
    publisher = new PythonPublisher(a.server.url.replace(/^http/, 'ws') + 'ws', 4, 'run', { pause: 0.05 });
    await publisher.ready();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    publisher?.proc.kill('SIGKILL');
    await Promise.all([a?.stop(), b?.stop()]);
    await nats?.stop();
  });

  it('lists them by node and label, focuses the first, and switches on a click', async () => {
    const { page, errors } = await openPage(browser, b.server.url);
    await expect.poll(() => page.locator('.env-cell').count(), { timeout: 10_000 }).toBe(4);
    expect(await page.locator('#grid-count').textContent()).toBe('4 of 4 shown');
    expect(await page.locator('.env-cell[data-env="1025"] .env-label').textContent()).toBe('A/run/1');
    await expect.poll(() => page.locator('#focus-env').textContent(), { timeout: 10_000 }).toBe('Showing A/run/0 (env 1024) of 4');
    await expect.poll(() => centre(page), { timeout: 10_000 }).toBeGreaterThan(15);
    expect(Math.abs((await centre(page)) - 20)).toBeLessThanOrEqual(3);
    await page.locator('.env-cell[data-env="1026"]').click();
    await expect.poll(async () => Math.abs((await centre(page)) - 100), { timeout: 10_000 }).toBeLessThanOrEqual(3);
    await expect.poll(async () => Number(await page.locator('#stat-fps').textContent()), { timeout: 10_000 }).toBeGreaterThan(5);
    expect(errors).toEqual([]);
  });
});
