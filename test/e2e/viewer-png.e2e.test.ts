/**
 * PNG frames in real Chromium: the viewer decodes them (createImageBitmap with image/png) and the
 * canvas shows exactly the emulator's pixels — from a live `serve --format png`, and from a replay
 * of a recording that switches from JPEG to PNG mid-run.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay } from '../../src/app/replay.js';
import { serve } from '../../src/app/serve.js';
import { silentLogger } from '../../src/log.js';
import { ARTIFACTS, launchChromium, rgbHash, screenHash } from '../helpers/browser.js';
import { writeMixedRecording } from '../helpers/mixed-recording.js';
import { testServeOptions } from '../helpers/serve-options.js';
import { TestClient } from '../helpers/ws-client.js';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

function pngRgb(png: Uint8Array): Uint8Array {
  const img = PNG.sync.read(Buffer.from(png));
  const rgb = new Uint8Array(img.width * img.height * 3);
  for (let i = 0, o = 0; i < img.data.length; i += 4, o += 3) rgb.set(img.data.subarray(i, i + 3), o);
  return rgb;
}

/** Resolves when the main canvas shows exactly one of `hashes` (checked every animation frame). */
function canvasShowsOneOf(page: Page, hashes: number[], timeout = 15_000) {
  return page.waitForFunction(
    (wanted) => {
      const c = document.getElementById('screen') as HTMLCanvasElement;
      if (c.width !== 160 || c.height !== 144) return false;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let x = 2166136261;
      for (let i = 0; i < data.length; i += 4) x = Math.imul(x ^ ((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!), 16777619);
      return wanted.includes(x >>> 0) ? x >>> 0 : false;
    },
    hashes,
    { timeout, polling: 'raf' },
  );
}

async function openPage(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { page, errors };
}

describe('PNG frames in real Chromium', () => {
  it('a live --format png stream shows the emulator pixels exactly', async () => {
    const serving = await serve(testServeOptions({ format: 'png', policy: { kind: 'random' }, seed: 5 }));
    const client = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
    const { page, errors } = await openPage(serving.server.url);
    try {
      const hello = await client.waitFor((m) => m.type === 'hello', 15_000);
      expect(hello['format']).toBe('png');
      await page.waitForSelector('#placeholder', { state: 'hidden', timeout: 15_000 });
      // Every frame the server sent so far, decoded by pngjs: the canvas must equal one of them
      // exactly. Polled, because the set grows while the canvas moves on.
      const sent = new Map<number, number>(); // seq → hash
      const matches = async () => {
        for (const f of client.of('frame')) {
          expect(f['format']).toBe('png');
          if (!sent.has(f['seq'] as number)) sent.set(f['seq'] as number, rgbHash(pngRgb(f['data'] as Uint8Array)));
        }
        return [...sent.values()].includes(await screenHash(page));
      };
      await expect.poll(matches, { timeout: 10_000, interval: 30 }).toBe(true);
      await page.screenshot({ path: `${ARTIFACTS}/viewer-png.png` });
      expect(errors).toEqual([]);
    } finally {
      client.ws.close();
      await page.close();
      await serving.stop();
    }
  });

  it('a replay that switches from JPEG to PNG mid-run shows the PNG frames exactly', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'gbs-png-e2e-')), 'mixed.gbrec');
    // 200 ms apart and looping: each PNG frame stays on screen for several animation frames.
    const frames = await writeMixedRecording(file, 4, 4, 200);
    const running = await replay({ file, port: 0, host: '127.0.0.1', speed: 1, loop: true, log: silentLogger() });
    const { page, errors } = await openPage(running.server.url);
    try {
      const pngHashes = frames.filter((f) => f.format === 'png').map((f) => rgbHash(f.rgb));
      const first = await (await canvasShowsOneOf(page, pngHashes)).jsonValue();
      // The loop goes back through the JPEG frames, then shows a PNG frame exactly again.
      await page.waitForFunction(
        (h) => {
          const c = document.getElementById('screen') as HTMLCanvasElement;
          const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let x = 2166136261;
          for (let i = 0; i < data.length; i += 4) x = Math.imul(x ^ ((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!), 16777619);
          return x >>> 0 !== h;
        },
        first,
        { timeout: 10_000, polling: 'raf' },
      );
      await canvasShowsOneOf(page, pngHashes);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await running.stop();
    }
  });
});
