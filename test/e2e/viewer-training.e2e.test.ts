/**
 * The viewer's training features in a real Chromium (Debian's /usr/bin/chromium via
 * playwright-core) against real servers on port 0 running the demo ROM: training progress charts
 * with steps/s and an ETA, the grid + focus view of many envs, and the HTTP fallback.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Serving, type ServeOptions } from '../../src/app/serve.js';
import { ARTIFACTS, canvasFingerprints as fingerprints, launchChromium } from '../helpers/browser.js';
import { testServeOptions } from '../helpers/serve-options.js';

/** What Chromium itself logs for a request to a server that is down (not the page's doing). */
// Chromium's own line for a fetch that fails while the server is down: refused, or (when the
// server stops mid-request, which a loaded machine makes likely) reset or answered empty.
const REFUSED = /^Failed to load resource: net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|EMPTY_RESPONSE|CONNECTION_CLOSED)$/;

let browser: Browser;

function serverOptions(overrides: Partial<ServeOptions> = {}): ServeOptions {
  return testServeOptions({ policy: { kind: 'random' }, control: { mode: 'token', token: TOKEN }, ...overrides });
}

/** Opens the page and records every console error and page error. */
async function open(
  url: string,
  options: { width?: number; height?: number; init?: () => void; sockets?: string[] } = {},
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: options.width ?? 1280, height: options.height ?? 800 } });
  const errors: string[] = [];
  page.on('websocket', (ws) => options.sockets?.push(ws.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  if (options.init) await page.addInitScript(options.init);
  await page.goto(url);
  return { page, errors };
}

const screenHash = async (page: Page) => (await fingerprints(page, '#screen'))[0]!;
const text = (page: Page, selector: string) => page.locator(selector).textContent();
const field = (page: Page, name: string) => text(page, `#state dd[data-field="${name}"]`);

/** Servers here allow publishing progress with this token (viewers stay view-only). */
const TOKEN = 'training-token-1';

function postProgress(base: string, values: Record<string, number>): Promise<Response> {
  return fetch(`${base}api/progress`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(values) });
}

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('viewer training features in real Chromium', () => {
  it('charts POSTed training progress with steps/s and an ETA, the same on every viewer', async () => {
    const serving = await serve(serverOptions());
    const url = serving.server.url;
    const a = await open(url);
    const b = await open(url, { width: 390, height: 844 });
    try {
      for (const p of [a, b]) await expect.poll(() => text(p.page, '#status-text'), { timeout: 10_000 }).toBe('Live');
      expect(await a.page.locator('#training').isHidden()).toBe(true);

      expect((await postProgress(url, { episode: 1, step: 100, total: 1000, reward: 0.5 })).status).toBe(202);
      await new Promise((r) => setTimeout(r, 600));
      expect((await postProgress(url, { episode: 1, step: 220, total: 1000, reward: 0.75, loss: -0.125 })).status).toBe(202);

      for (const { page } of [a, b]) {
        await expect.poll(() => text(page, '[data-progress="step"]'), { timeout: 5000 }).toBe('220');
        expect(await text(page, '[data-progress="episode"]')).toBe('1');
        expect(await text(page, '[data-progress="total"]')).toBe('1000');
        expect(await text(page, '[data-progress="reward"]')).toBe('0.75');
        expect(await text(page, '[data-progress="loss"]')).toBe('-0.125');
        // 120 steps in ≈0.6 s of server time: ≈200 steps/s (HTTP and scheduling make it inexact).
        const rate = Number(await text(page, '[data-training="rate"]'));
        expect(rate).toBeGreaterThan(50);
        expect(rate).toBeLessThan(400);
        // 780 steps left at that rate: a few seconds.
        expect(await text(page, '[data-training="eta"]')).toMatch(/^\d+ s$/);
        expect(await text(page, '[data-training="updated"]')).toBe('2 updates from http');
        expect(await page.locator('.training-key canvas').count()).toBe(5);
      }
      expect(await b.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await b.page.screenshot({ path: `${ARTIFACTS}/viewer-training-phone.png`, fullPage: true });
      expect(a.errors).toEqual([]);
      expect(b.errors).toEqual([]);
    } finally {
      await a.page.close();
      await b.page.close();
      await serving.stop();
    }
  });

  it('shows a grid of 4 live envs; clicking env 2 focuses it and the state panel follows, without reconnecting', async () => {
    const serving: Serving = await serve(serverOptions({ envs: 4 }));
    const url = serving.server.url;
    const sockets: string[] = [];
    const { page, errors } = await open(url, { sockets });
    try {
      await expect.poll(() => text(page, '#status-text'), { timeout: 10_000 }).toBe('Live');
      await expect.poll(() => page.locator('.env-cell canvas').count(), { timeout: 10_000 }).toBe(4);
      expect(await text(page, '#focus-env')).toBe('Showing env 0 of 4');
      expect(await page.locator('.env-cell').nth(0).getAttribute('aria-pressed')).toBe('true');

      // Four distinct pictures (each env has its own random policy), each changing over time.
      await expect
        .poll(async () => {
          const f = await fingerprints(page, '.env-cell canvas');
          return f.every((x) => x.colours > 4) ? new Set(f.map((x) => x.hash)).size : 0;
        }, { timeout: 15_000 })
        .toBe(4);
      const first = await fingerprints(page, '.env-cell canvas');
      await expect
        .poll(async () => (await fingerprints(page, '.env-cell canvas')).every((x, i) => x.hash !== first[i]!.hash), { timeout: 15_000 })
        .toBe(true);

      await postProgress(url, { episode: 3, step: 1000, total: 5000, reward: 1.5, loss: 0.25 });
      await new Promise((r) => setTimeout(r, 500));
      await postProgress(url, { episode: 3, step: 1400, total: 5000, reward: 1.25, loss: 0.2 });

      // Focus env 2 with the keyboard-reachable button.
      const cell2 = page.locator('.env-cell[data-env="2"]');
      await cell2.click();
      await expect.poll(() => text(page, '#focus-env')).toBe('Showing env 2 of 4');
      expect(await cell2.getAttribute('aria-pressed')).toBe('true');
      expect(await cell2.textContent()).toBe('env 2 · focused');
      expect(await page.locator('.env-cell[data-env="0"]').getAttribute('aria-pressed')).toBe('false');

      // The big canvas shows env 2: at some moment it holds exactly the frame its grid cell holds.
      await expect
        .poll(async () => (await screenHash(page)).hash === (await fingerprints(page, '.env-cell[data-env="2"] canvas'))[0]!.hash, { timeout: 10_000, interval: 100 })
        .toBe(true);

      // The state panel follows env 2: its x/y match env 2's state from the HTTP API, read
      // around the same moment (values move, so poll until a read lands between two frames).
      const matches = async (env: number) => {
        const states = (await (await fetch(`${url}api/state`)).json()) as Record<string, { state: Record<string, number> }>;
        const s = states[String(env)]!.state;
        return Number(await field(page, 'x')) === s['x'] && Number(await field(page, 'y')) === s['y'];
      };
      await expect.poll(() => matches(2), { timeout: 10_000, interval: 100 }).toBe(true);

      // Keyboard: Tab to env 1's cell and press Enter.
      await page.locator('.env-cell[data-env="1"]').focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => text(page, '#focus-env')).toBe('Showing env 1 of 4');
      await expect.poll(() => matches(1), { timeout: 10_000, interval: 100 }).toBe(true);

      await cell2.click();
      await expect.poll(() => text(page, '#focus-env')).toBe('Showing env 2 of 4');
      await expect.poll(() => text(page, '[data-progress="step"]')).toBe('1400');
      await page.mouse.move(0, 0);
      await page.screenshot({ path: `${ARTIFACTS}/viewer-training.png`, fullPage: true });
      // A phone: the grid wraps, nothing scrolls sideways.
      await page.setViewportSize({ width: 390, height: 844 });
      await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: `${ARTIFACTS}/viewer-training-grid-phone.png`, fullPage: true });
      await page.setViewportSize({ width: 1280, height: 800 });
      expect(sockets).toHaveLength(1); // switching the focus never reconnected
      expect(await text(page, '#status-text')).toBe('Live');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await serving.stop();
    }
  });

  it('falls back to HTTP polling without WebSocket, and back to the socket once it opens', async () => {
    const serving = await serve(serverOptions());
    const { page, errors } = await open(serving.server.url, {
      init: () => {
        const w = window as unknown as { WebSocket?: unknown; __realWebSocket?: unknown };
        w.__realWebSocket = w.WebSocket;
        w.WebSocket = undefined;
      },
    });
    try {
      await expect.poll(() => text(page, '#status-text'), { timeout: 10_000 }).toBe('HTTP fallback (polling)');
      expect(await page.locator('#status').getAttribute('data-state')).toBe('fallback');
      await page.waitForSelector('#placeholder', { state: 'hidden', timeout: 10_000 });
      const first = await screenHash(page);
      expect(first.colours).toBeGreaterThan(4);
      await expect.poll(async () => (await screenHash(page)).hash, { timeout: 10_000 }).not.toBe(first.hash);
      await expect.poll(() => field(page, 'frame'), { timeout: 5000 }).toMatch(/^\d+$/);
      const f0 = Number(await field(page, 'frame'));
      await expect.poll(async () => Number(await field(page, 'frame')), { timeout: 5000 }).toBeGreaterThan(f0);
      await expect.poll(async () => Number(await text(page, '#stat-fps')), { timeout: 5000 }).toBeGreaterThan(2);
      expect(await text(page, '#control-state')).toBe('view only (HTTP fallback)');
      await page.screenshot({ path: `${ARTIFACTS}/viewer-fallback.png` });

      // The browser gets a WebSocket: the background retries find it and the page goes live.
      await page.evaluate(() => {
        const w = window as unknown as { WebSocket?: unknown; __realWebSocket?: unknown };
        w.WebSocket = w.__realWebSocket;
      });
      await expect.poll(() => text(page, '#status-text'), { timeout: 40_000 }).toBe('Live');
      const live = await screenHash(page);
      await expect.poll(async () => (await screenHash(page)).hash, { timeout: 10_000 }).not.toBe(live.hash);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await serving.stop();
    }
  });

  it('in fallback, a server that goes away is only health-checked on the backoff, and polling resumes when it is back', async () => {
    let serving = await serve(serverOptions());
    const port = serving.server.port;
    const { page, errors } = await open(serving.server.url, {
      init: () => {
        (window as unknown as { WebSocket?: unknown }).WebSocket = undefined;
        // Full jitter draws each delay in [0, 1 s], [0, 2 s], …: pin it to the top of each
        // range, so "a few checks in 4 s" is a fact of the schedule, not of the dice.
        Math.random = () => 0.999;
      },
    });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    try {
      await expect.poll(() => text(page, '#status-text'), { timeout: 10_000 }).toBe('HTTP fallback (polling)');
      await page.waitForSelector('#placeholder', { state: 'hidden', timeout: 10_000 });
      expect(errors).toEqual([]);

      await serving.stop();
      await expect.poll(() => text(page, '#status-text'), { timeout: 10_000 }).toMatch(/^HTTP fallback: server unreachable, retry in \d+ s$/);
      expect(await page.locator('#stage').getAttribute('class')).toMatch(/stale/);
      requests.length = 0;
      await page.waitForTimeout(4000);
      // Down: no frame or state polling, only a few health checks (backoff: 1 s, 2 s, 4 s …).
      expect(requests.filter((p) => p !== '/api/health')).toEqual([]);
      expect(requests.length).toBeLessThanOrEqual(4);
      // The only console errors are Chromium's own lines for those refused health checks.
      expect(errors.every((e) => REFUSED.test(e))).toBe(true);
      expect(errors.length).toBeLessThanOrEqual(8);

      serving = await serve(serverOptions({ port }));
      await expect.poll(() => text(page, '#status-text'), { timeout: 30_000 }).toBe('HTTP fallback (polling)');
      // A health check may still fail while the server restarts; from polling on, nothing new.
      expect(errors.every((e) => REFUSED.test(e))).toBe(true);
      const downErrors = errors.length;
      const back = await screenHash(page);
      await expect.poll(async () => (await screenHash(page)).hash, { timeout: 10_000 }).not.toBe(back.hash);
      expect(await page.locator('#stage').getAttribute('class')).not.toMatch(/stale/);
      expect(errors.length).toBe(downErrors); // nothing new once the server is back
    } finally {
      await page.close();
      await serving.stop();
    }
  });
});
