/**
 * The viewer in real Chromium against a server that keeps closing its connections (issue 12
 * item 15): after dozens of short-lived connections the page must still reconnect — no
 * "illegal transition live → gone" thrown from `onclose`, no "Live" without a socket. The page's
 * Math.random is pinned to 0 so the backoff's full jitter makes every retry immediate.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_ROOT } from '../../src/paths.js';
import { encodeRecord } from '../../src/protocol/record.js';
import { createStaticHandler } from '../../src/server/static-files.js';
import { launchChromium } from '../helpers/browser.js';
import { testHello } from '../helpers/bare-server.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('viewer against a server that keeps closing connections', () => {
  it('reconnects every time, then stays Live once a connection lasts', async () => {
    const CLOSING = 30;
    const serveStatic = createStaticHandler(WEB_ROOT);
    const http: Server = createServer((req, res) => {
      if (req.url?.startsWith('/api/')) return void res.writeHead(503).end();
      void serveStatic(req, res);
    });
    const wss = new WebSocketServer({ server: http, path: '/ws' });
    let accepted = 0;
    wss.on('connection', (ws) => {
      accepted++;
      ws.send(encodeRecord({ ...testHello, envs: 1, control: false }));
      if (accepted <= CLOSING) ws.close(1011, 'closing again');
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await page.addInitScript(() => {
        Math.random = () => 0;
      });
      await page.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
      await expect.poll(() => accepted, { timeout: 20_000 }).toBeGreaterThan(CLOSING);
      await expect.poll(() => page.locator('#status-text').textContent(), { timeout: 10_000 }).toBe('Live');
      expect(pageErrors).toEqual([]);
    } finally {
      await page.close();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    }
  });
});
