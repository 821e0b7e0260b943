/** Debian's Chromium driven by playwright-core, as the viewer tests use it. */
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env['GBSTREAM_CHROMIUM'] ?? '/usr/bin/chromium';
/** Where screenshots go (a CI artifact path, git-ignored). */
export const ARTIFACTS = 'test-artifacts';

/** Launches headless Chromium with the flags this closed network needs. */
export async function launchChromium(): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Fingerprints (FNV-1a over RGB) of every canvas matching `selector`, and their colour counts. */
export function canvasFingerprints(page: Page, selector: string): Promise<Array<{ hash: number; colours: number }>> {
  return page.evaluate((sel) => {
    return Array.from(document.querySelectorAll<HTMLCanvasElement>(sel)).map((c) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let h = 2166136261;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4) {
        const rgb = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
        colours.add(rgb >> 3);
        h = Math.imul(h ^ rgb, 16777619);
      }
      return { hash: h >>> 0, colours: colours.size };
    });
  }, selector);
}

/** FNV-1a over RGB triples (a Node-side picture); `screenHash` computes the same over the page's canvas. */
export function rgbHash(rgb: Uint8Array): number {
  let h = 2166136261;
  for (let i = 0; i < rgb.length; i += 3) h = Math.imul(h ^ ((rgb[i]! << 16) | (rgb[i + 1]! << 8) | rgb[i + 2]!), 16777619);
  return h >>> 0;
}

/** `rgbHash` of what the viewer's `#screen` canvas shows. */
export function screenHash(page: Page): Promise<number> {
  return page.evaluate(() => {
    const c = document.getElementById('screen') as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let x = 2166136261;
    for (let i = 0; i < data.length; i += 4) x = Math.imul(x ^ ((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!), 16777619);
    return x >>> 0;
  });
}

/** A new page at `url` of `browser`, collecting console errors and page errors into `errors`. */
export async function openPage(browser: Browser, url: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { page, errors };
}
