/**
 * Both frame encoders, held to the same contract: JPEG out, right size, faithful pixels (PSNR),
 * RGB = RGBA, clear errors on bad input, no memory growth.
 *
 * The native addon is NOT optional here: `npm install` builds it (native/build.mjs) and CI must
 * prove it works, so a missing build fails these tests loudly instead of skipping them. Build it
 * with `node native/build.mjs`; GBSTREAM_TEST_NO_NATIVE=1 runs only the sharp half on purpose
 * (for machines without a compiler).
 */
import { rgbToRgba } from '../src/encode/pixels.js';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.js';
import type { FrameEncoder } from '../src/encode/encoder.js';
import { NativeEncoder, loadNativeBinding, tryLoadNativeBinding } from '../src/encode/native-encoder.js';
import { selectEncoder } from '../src/encode/select-encoder.js';
import { SharpEncoder } from '../src/encode/sharp-encoder.js';

const W = 160;
const H = 144;
const QUALITY = 80;

/** Deterministic PRNG (mulberry32) so the frame, and so the PSNR, never changes. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A Game Boy-like frame: 20×18 tiles of 8×8 in the 4 DMG greens (flat, brick, checker and
 * glyph-like tiles) plus a few 16×16 sprites in Game Boy Color colours, so chroma is exercised.
 */
function gameBoyFrame(): Uint8Array {
  const greens = [
    [0x9b, 0xbc, 0x0f],
    [0x8b, 0xac, 0x0f],
    [0x30, 0x62, 0x30],
    [0x0f, 0x38, 0x0f],
  ] as const;
  const sprite = [
    [0xf8, 0x38, 0x00],
    [0xf8, 0xb8, 0x88],
    [0x00, 0x58, 0xf8],
    [0xf8, 0xf8, 0xf8],
  ] as const;
  const rnd = prng(6);
  const shade = new Uint8Array(W * H); // palette index per pixel
  for (let ty = 0; ty < H / 8; ty++) {
    for (let tx = 0; tx < W / 8; tx++) {
      const kind = rnd();
      const bits = Array.from({ length: 64 }, () => rnd() < 0.3);
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          let s: number;
          if (kind < 0.4) s = 0;
          else if (kind < 0.6) s = y % 4 === 3 || x === (y < 4 ? 0 : 4) ? 2 : 1;
          else if (kind < 0.8) s = ((x >> 1) + (y >> 1)) % 2 === 0 ? 1 : 0;
          else s = bits[y * 8 + x] ? 3 : 0;
          shade[(ty * 8 + y) * W + tx * 8 + x] = s;
        }
      }
    }
  }
  const rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) rgb.set(greens[shade[i]!]!, i * 3);
  // Round 16×16 sprites: dark outline, coloured fill, a white highlight (like the demo ROM's).
  for (const [sx, sy, fill] of [[24, 40, 0], [88, 72, 2], [120, 16, 1]] as const) {
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        const d = Math.hypot(x - 7.5, y - 7.5);
        if (d > 7.5) continue;
        const c = d > 6.2 ? [0x20, 0x10, 0x10] : Math.hypot(x - 5, y - 5) < 2 ? sprite[3] : sprite[fill];
        rgb.set(c, ((sy + y) * W + sx + x) * 3);
      }
    }
  }
  return rgb;
}

const withAlpha = (rgb: Uint8Array) => rgbToRgba(rgb);

async function decode(jpeg: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}

/** Settles sync throws too: SharpEncoder throws synchronously for some inputs (zero width). */
function settle(enc: FrameEncoder, ...args: Parameters<FrameEncoder['encode']>): Promise<Buffer> {
  return Promise.resolve().then(() => enc.encode(...args));
}

const frame = gameBoyFrame();
const skipNative = process.env.GBSTREAM_TEST_NO_NATIVE === '1';
const nativeLoad = tryLoadNativeBinding();

describe('native addon build', () => {
  it.skipIf(skipNative)('is built and loads (run `node native/build.mjs` if this fails)', () => {
    expect('binding' in nativeLoad, 'reason' in nativeLoad ? nativeLoad.reason : '').toBe(true);
  });
});

type Make = (subsampling?: '4:4:4' | '4:2:0', quality?: number) => FrameEncoder;
const makeSharp: Make = (subsampling, quality = QUALITY) => new SharpEncoder({ quality, subsampling });
const makeNative: Make = (subsampling, quality = QUALITY) => new NativeEncoder({ quality, subsampling });
const factories: Array<[string, Make]> = [['sharp', makeSharp]];
// Registered even when the addon is missing, so each case fails with the load reason.
if (!skipNative) factories.push(['native', makeNative]);

describe.each(factories)('%s encoder', (name, make) => {
  it('reports its name', () => {
    expect(make().name).toBe(name);
  });

  it('writes a JPEG that decodes to 160×144', async () => {
    const jpeg = await make().encode(frame, W, H, 3);
    expect(jpeg[0]).toBe(0xff);
    expect(jpeg[1]).toBe(0xd8);
    expect(jpeg.at(-2)).toBe(0xff);
    expect(jpeg.at(-1)).toBe(0xd9);
    const img = await decode(jpeg);
    expect([img.width, img.height, img.channels]).toEqual([W, H, 3]);
  });

  // Pixel art's hard edges are JPEG's worst case: on this frame (and on a demo-ROM frame alike)
  // libjpeg-turbo, which both encoders use, reaches ~30 dB at quality 80 and ≥ 35 dB only from
  // quality 92 (measured: q80 30.1, q85 31.5, q90 34.6, q92 36.2, q95 39.4 dB at 4:4:4). So the
  // 35 dB bar is held at 92 and quality 80 gets a regression floor 1 dB under what it measures.
  it.each([
    [80, '4:4:4', 29],
    [92, '4:4:4', 35],
    [80, '4:2:0', 24],
  ] as const)('keeps PSNR at quality %i with %s chroma ≥ %i dB', async (quality, subsampling, floor) => {
    const img = await decode(await make(subsampling, quality).encode(frame, W, H, 3));
    expect(psnr(img.data, frame)).toBeGreaterThanOrEqual(floor);
  });

  it('gives the same image for RGB and RGBA input', async () => {
    const enc = make();
    const fromRgb = await decode(await enc.encode(frame, W, H, 3));
    const fromRgba = await decode(await enc.encode(withAlpha(frame), W, H, 4));
    expect(Buffer.compare(fromRgb.data, fromRgba.data)).toBe(0);
  });

  it('rejects pixels of the wrong length', async () => {
    await expect(settle(make(), frame.subarray(1), W, H, 3)).rejects.toThrow(/69120|memory area/);
  });

  it('rejects a zero width', async () => {
    await expect(settle(make(), new Uint8Array(0), 0, H, 3)).rejects.toThrow(Error);
  });

  it('encodes 1000 frames without growing RSS by 50 MB', async () => {
    const enc = make();
    const rgba = withAlpha(frame);
    for (let i = 0; i < 50; i++) await enc.encode(rgba, W, H, 4); // warm-up: allocator pools
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 1000; i++) await enc.encode(rgba, W, H, 4);
    const growth = process.memoryUsage().rss - before;
    expect(growth).toBeLessThan(50 * 1024 * 1024);
  });
});

describe.skipIf(skipNative)('native encoder specifics', () => {
  const enc = (): NativeEncoder => new NativeEncoder({ quality: QUALITY });

  it('rejects (never throws synchronously) with a coded RangeError/TypeError', async () => {
    const e = enc();
    const cases: Array<[Parameters<FrameEncoder['encode']>, ErrorConstructor, RegExp]> = [
      [[frame.subarray(3), W, H, 3], RangeError, /pixels.*69120 bytes, got 69117/],
      [[frame, 0, H, 3], RangeError, /width.*positive integer, got `0`/],
      [[frame, W, H, 2 as 3], RangeError, /channels.*3-4, got `2`/],
      [[frame, 1.5, H, 3], RangeError, /width/],
      [[[1, 2, 3] as unknown as Uint8Array, 1, 1, 3], TypeError, /Uint8Array/],
    ];
    for (const [args, type, message] of cases) {
      let pending: Promise<Buffer> | undefined;
      expect(() => (pending = e.encode(...args))).not.toThrow();
      await expect(pending).rejects.toThrow(type);
      await expect(pending).rejects.toThrow(message);
      await expect(pending).rejects.toMatchObject({ code: 'GBS_ERR_NATIVE_ARG' });
    }
  });

  it('turns a libjpeg error into GBS_ERR_NATIVE_ENCODE and stays usable after it', async () => {
    const e = enc();
    // 70000 px is over libjpeg's 65500 limit: the error comes from inside libjpeg (longjmp path).
    await expect(e.encode(new Uint8Array(70000 * 3), 70000, 1, 3)).rejects.toMatchObject({
      code: 'GBS_ERR_NATIVE_ENCODE',
      message: expect.stringMatching(/^libjpeg: .*65500/),
    });
    // Aborted cleanly: the next frame is byte-for-byte what a fresh compressor writes.
    expect(Buffer.compare(await e.encode(frame, W, H, 3), await enc().encode(frame, W, H, 3))).toBe(0);
  });

  it('writes byte-identical JPEGs for RGB and RGBA input', async () => {
    const e = enc();
    expect(Buffer.compare(await e.encode(frame, W, H, 3), await e.encode(withAlpha(frame), W, H, 4))).toBe(0);
  });

  it('rejects a handle that did not come from createEncoder()', () => {
    const binding = loadNativeBinding()!;
    expect(() => binding.encode({}, frame, W, H, 3, QUALITY, true)).toThrow(/createEncoder/);
  });

  it('grows its output buffer for frames larger than the initial 64 KiB', async () => {
    const rnd = prng(1);
    const noise = Uint8Array.from({ length: 640 * 576 * 3 }, () => Math.floor(rnd() * 256));
    const jpeg = await enc().encode(noise, 640, 576, 3);
    expect(jpeg.length).toBeGreaterThan(64 * 1024);
    const img = await decode(jpeg);
    expect([img.width, img.height]).toEqual([640, 576]);
  });

  it('makes 4:2:0 smaller than 4:4:4', async () => {
    const full = await new NativeEncoder({ quality: QUALITY, subsampling: '4:4:4' }).encode(frame, W, H, 3);
    const sub = await new NativeEncoder({ quality: QUALITY, subsampling: '4:2:0' }).encode(frame, W, H, 3);
    expect(sub.length).toBeLessThan(full.length);
  });
});

describe.skipIf(skipNative)('native vs sharp', () => {
  // Same library underneath, so the same fidelity; sizes differ a little because sharp also
  // optimises Huffman tables (≈7 % smaller, ≈25 % slower; the addon skips that for speed).
  it.each(['4:4:4', '4:2:0'] as const)('decode to the same fidelity with %s chroma', async (subsampling) => {
    const viaNative = await decode(await makeNative(subsampling).encode(frame, W, H, 3));
    const viaSharp = await decode(await makeSharp(subsampling).encode(frame, W, H, 3));
    expect(Math.abs(psnr(viaNative.data, frame) - psnr(viaSharp.data, frame))).toBeLessThan(0.1);
  });
});

describe('selectEncoder', () => {
  it('gives sharp for "sharp" without warning', () => {
    const warnings: string[] = [];
    expect(selectEncoder('sharp', { quality: QUALITY }, (m) => warnings.push(m)).name).toBe('sharp');
    expect(warnings).toEqual([]);
  });

  it.skipIf(skipNative)('gives native for "auto" and "native" when the addon loads', () => {
    const warnings: string[] = [];
    expect(selectEncoder('auto', { quality: QUALITY }, (m) => warnings.push(m)).name).toBe('native');
    expect(selectEncoder('native', { quality: QUALITY }, (m) => warnings.push(m)).name).toBe('native');
    expect(warnings).toEqual([]);
  });

  it('rejects an unknown kind, quoting it', () => {
    expect(() => selectEncoder('fast' as 'auto', { quality: QUALITY }, () => {})).toThrow(
      expect.objectContaining({ code: 'GBS_ERR_ENCODER_UNKNOWN', message: expect.stringContaining('"fast"') }),
    );
  });

  it('without the addon: "auto" falls back to sharp and warns once; "native" is a ConfigError', async () => {
    // A fresh module instance whose addon path points nowhere, to see the unavailable branch.
    const { vi } = await import('vitest');
    vi.resetModules();
    vi.doMock('node:module', async (orig) => {
      const mod = await orig<typeof import('node:module')>();
      return {
        ...mod,
        createRequire: () => () => {
          throw Object.assign(new Error('Cannot find module gbstream_jpeg.node'), { code: 'MODULE_NOT_FOUND' });
        },
      };
    });
    try {
      const fresh = await import('../src/encode/select-encoder.js');
      const warnings: string[] = [];
      expect(fresh.selectEncoder('auto', { quality: QUALITY }, (m) => warnings.push(m)).name).toBe('sharp');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^native JPEG encoder unavailable \(.*not built.*\); using sharp$/);
      let err: unknown;
      try {
        fresh.selectEncoder('native', { quality: QUALITY }, () => {});
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf((await import('../src/config-error.js')).ConfigError);
      expect((err as ConfigError).code).toBe('GBS_ERR_ENCODER_UNAVAILABLE');
      expect((err as ConfigError).message).toMatch(/--encoder "native" is unavailable: .*not built/);
    } finally {
      vi.doUnmock('node:module');
      vi.resetModules();
    }
  });
});
