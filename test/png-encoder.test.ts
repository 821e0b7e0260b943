/**
 * Both PNG encoders (native zlib addon and pure JS), held to one contract: pixel-exact round trip
 * on real emulator frames, the palette bit depth the colour count calls for, truecolour past 256
 * colours, every row filter decodable, the same pixels from both, and coded errors on hostile
 * input.
 *
 * Like encoder.test.ts, the native addon is not optional here (`node native/build.mjs` builds it);
 * GBSTREAM_TEST_NO_NATIVE=1 runs only the JS half on purpose.
 */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../src/config-error.js';
import { rgbToRgba } from '../src/encode/pixels.js';
import { ServerboyEmulator } from '../src/emulator/serverboy.js';
import { JsPngEncoder } from '../src/encode/png-js-encoder.js';
import { NativePngEncoder, tryLoadNativePngBinding } from '../src/encode/png-native-encoder.js';
import { PNG_FILTERS, type PngFilter, type PngOptions } from '../src/encode/png-options.js';
import { encoderKindOf, selectEncoder, type EncoderKind } from '../src/encode/select-encoder.js';
import { selectPngEncoder } from '../src/encode/select-png-encoder.js';
import { GbsError } from '../src/protocol/errors.js';

const W = 160;
const H = 144;
const DEMO_ROM = 'src/demo/gbstream-demo.gbc';
const BLARGG_ROM = 'node_modules/serverboy/roms/blargg_tests/cpu_instrs.gb';

/** The RGB screen after `frames` emulated frames of a ROM, as the pipeline would encode it. */
function emulatorFrame(path: string, frames: number): Uint8Array {
  const emu = new ServerboyEmulator(new Uint8Array(readFileSync(path)));
  for (let i = 0; i < frames; i++) emu.step();
  return emu.screenRgb().slice();
}

/** A w×h RGB frame using exactly `colours` distinct colours (each at least once). */
function frameWithColours(colours: number, w = W, h = H): Uint8Array {
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const c = (i * 7919) % colours; // scattered, so rows differ and filters have work to do
    rgb[i * 3] = c & 0xff;
    rgb[i * 3 + 1] = (c >> 8) * 40;
    rgb[i * 3 + 2] = (c * 37) & 0xff;
  }
  return rgb;
}

function distinctColours(rgb: Uint8Array): number {
  const set = new Set<number>();
  for (let i = 0; i < rgb.length; i += 3) set.add((rgb[i]! << 16) | (rgb[i + 1]! << 8) | rgb[i + 2]!);
  return set.size;
}

/** Decodes with pngjs (an independent decoder) to RGB. */
function decodeRgb(png: Buffer): { width: number; height: number; rgb: Uint8Array } {
  const img = PNG.sync.read(png);
  const rgb = new Uint8Array(img.width * img.height * 3);
  let translucent = 0;
  for (let i = 0, o = 0; i < img.data.length; i += 4, o += 3) {
    if (img.data[i + 3] !== 255) translucent++;
    rgb[o] = img.data[i]!;
    rgb[o + 1] = img.data[i + 1]!;
    rgb[o + 2] = img.data[i + 2]!;
  }
  expect(translucent).toBe(0);
  return { width: img.width, height: img.height, rgb };
}

/** IHDR's bit depth and colour type (bytes 24 and 25 of every PNG: IHDR is the first chunk). */
function ihdr(png: Buffer): { depth: number; colourType: number } {
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { depth: png[24]!, colourType: png[25]! };
}

const skipNative = process.env.GBSTREAM_TEST_NO_NATIVE === '1';
const nativeLoad = tryLoadNativePngBinding();

describe('native PNG addon build', () => {
  it.skipIf(skipNative)('is built and loads (run `node native/build.mjs` if this fails)', () => {
    expect('binding' in nativeLoad, 'reason' in nativeLoad ? nativeLoad.reason : '').toBe(true);
  });
});

type Make = (options?: PngOptions) => JsPngEncoder | NativePngEncoder;
const factories: Array<[string, Make]> = [['js-png', (o) => new JsPngEncoder(o)]];
// Registered even when the addon is missing, so each case fails with the load reason.
if (!skipNative) factories.push(['native-png', (o) => new NativePngEncoder(o)]);

const dmgFrame = emulatorFrame(BLARGG_ROM, 300);
const cgbFrame = emulatorFrame(DEMO_ROM, 300);

describe.each(factories)('%s encoder', (name, make) => {
  it('says its name and format', () => {
    const enc = make();
    expect(enc.name).toBe(name);
    expect(enc.format).toBe('png');
  });

  it.each([
    ['DMG (Blargg cpu_instrs)', dmgFrame],
    ['CGB (demo ROM)', cgbFrame],
  ])('round-trips a %s frame pixel-exactly as a palette PNG', async (_label, frame) => {
    expect(distinctColours(frame)).toBeLessThanOrEqual(256); // the frames are what we think they are
    const png = await make().encode(frame, W, H, 3);
    expect(ihdr(png).colourType).toBe(3);
    const out = decodeRgb(png);
    expect([out.width, out.height]).toEqual([W, H]);
    expect(Buffer.from(out.rgb).equals(Buffer.from(frame))).toBe(true);
  });

  it('reads RGBA input and drops alpha', async () => {
    const rgba = rgbToRgba(cgbFrame);
    rgba[3] = 0; // alpha must not matter
    const out = decodeRgb(await make().encode(rgba, W, H, 4));
    expect(Buffer.from(out.rgb).equals(Buffer.from(cgbFrame))).toBe(true);
  });

  it.each([
    [1, 1, 3],
    [2, 1, 3],
    [3, 2, 3],
    [4, 2, 3],
    [5, 4, 3],
    [16, 4, 3],
    [17, 8, 3],
    [256, 8, 3],
    [257, 8, 2],
    [5000, 8, 2],
  ])('%i colours → bit depth %i, colour type %i, pixel-exact', async (colours, depth, colourType) => {
    const frame = frameWithColours(colours);
    expect(distinctColours(frame)).toBe(colours);
    const png = await make().encode(frame, W, H, 3);
    expect(ihdr(png)).toEqual({ depth, colourType });
    expect(Buffer.from(decodeRgb(png).rgb).equals(Buffer.from(frame))).toBe(true);
  });

  // Odd widths leave a partly used last byte in packed rows; every filter must still decode.
  it.each(Object.keys(PNG_FILTERS) as PngFilter[])('decodes with row filter %s (palette and truecolour, odd width)', async (filter) => {
    const enc = make({ filter, level: 9 });
    for (const [colours, w, h] of [[3, 13, 7], [14, W, H], [300, 37, 11]] as const) {
      const frame = colours === 14 ? cgbFrame : frameWithColours(colours, w, h);
      const out = decodeRgb(await enc.encode(frame, w, h, 3));
      expect(Buffer.from(out.rgb).equals(Buffer.from(frame))).toBe(true);
    }
  });

  it('encodes a 640×576 mosaic (the 4×4 grid view)', async () => {
    const frame = frameWithColours(40, 640, 576);
    const out = decodeRgb(await make().encode(frame, 640, 576, 3));
    expect(Buffer.from(out.rgb).equals(Buffer.from(frame))).toBe(true);
  });

  it.each([
    ['a short buffer', () => [cgbFrame.subarray(1), W, H, 3]],
    ['a long buffer', () => [new Uint8Array(W * H * 3 + 1), W, H, 3]],
    ['RGB bytes declared as RGBA', () => [cgbFrame, W, H, 4]],
    ['zero width', () => [new Uint8Array(0), 0, H, 3]],
    ['negative height', () => [cgbFrame, W, -144, 3]],
    ['a huge width', () => [cgbFrame, 2 ** 31, 1, 3]],
    ['a huge area', () => [new Uint8Array(3), 16384, 16384, 3]],
    ['a fractional width', () => [cgbFrame, 160.5, H, 3]],
    ['NaN height', () => [cgbFrame, W, Number.NaN, 3]],
    ['2 channels', () => [new Uint8Array(W * H * 2), W, H, 2]],
    ['a plain array', () => [Array.from(cgbFrame), W, H, 3]],
    ['a Float32Array', () => [new Float32Array(W * H * 3), W, H, 3]],
  ] as Array<[string, () => unknown[]]>)('rejects %s with GBS_ERR_ENCODE_ARG and stays usable', async (_label, args) => {
    const enc = make();
    const [px, w, h, ch] = args() as [Uint8Array, number, number, 3 | 4];
    const err = await enc.encode(px, w, h, ch).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GbsError);
    expect((err as GbsError).code).toBe('GBS_ERR_ENCODE_ARG');
    expect((err as GbsError).message).toMatch(/Expected/);
    expect(() => enc.encodeSync(px, w, h, ch)).toThrow(GbsError);
    // The next good frame still encodes.
    expect(decodeRgb(await enc.encode(dmgFrame, W, H, 3)).rgb.length).toBe(W * H * 3);
  });

  it('refuses bad options', () => {
    expect(() => make({ level: 10 })).toThrow(RangeError);
    expect(() => make({ filter: 'best' as PngFilter })).toThrow(RangeError);
  });
});

describe.skipIf(skipNative)('native and JS PNG', () => {
  it.each([
    ['DMG', dmgFrame, W, H],
    ['CGB', cgbFrame, W, H],
    ['300-colour', frameWithColours(300), W, H],
    ['5-colour odd-size', frameWithColours(5, 31, 9), 31, 9],
  ] as const)('write the same header, palette and pixels for a %s frame', async (_label, frame, w, h) => {
    const a = await new NativePngEncoder().encode(frame, w, h, 3);
    const b = await new JsPngEncoder().encode(frame, w, h, 3);
    // Signature, IHDR and PLTE (when there is one) are byte-identical; only zlib's output may differ.
    const idat = (png: Buffer) => png.indexOf('IDAT', 0, 'latin1');
    expect(a.subarray(0, idat(a)).equals(b.subarray(0, idat(b)))).toBe(true);
    expect(Buffer.from(decodeRgb(a).rgb).equals(Buffer.from(decodeRgb(b).rgb))).toBe(true);
  });

  it('rejects a foreign handle in the raw binding with a coded TypeError', () => {
    if (!('binding' in nativeLoad)) throw new Error(nativeLoad.reason);
    const b = nativeLoad.binding;
    expect(() => b.encode({}, cgbFrame, W, H, 3)).toThrow(expect.objectContaining({ code: 'GBS_ERR_ENCODE_ARG' }));
    expect(() => b.createEncoder(6, 9, 0)).toThrow(expect.objectContaining({ code: 'GBS_ERR_ENCODE_ARG' }));
  });

  it('keeps two encoders apart (no shared state between instances)', async () => {
    const one = new NativePngEncoder();
    const two = new NativePngEncoder();
    const a = await one.encode(dmgFrame, W, H, 3);
    await two.encode(frameWithColours(300), W, H, 3);
    expect((await one.encode(dmgFrame, W, H, 3)).equals(a)).toBe(true);
  });
});

describe('selectPngEncoder', () => {
  it.skipIf(skipNative)('auto picks the native encoder without a warning when it is built', () => {
    const warnings: string[] = [];
    expect(selectPngEncoder('auto', {}, (m) => warnings.push(m)).name).toBe('native-png');
    expect(selectPngEncoder('native', {}, (m) => warnings.push(m)).name).toBe('native-png');
    expect(warnings).toEqual([]);
  });

  it('gives the JS encoder when asked', () => {
    expect(selectPngEncoder('js', {}, () => undefined).name).toBe('js-png');
  });

  it('refuses an unknown kind with a ConfigError quoting it', () => {
    expect(() => selectPngEncoder('sharp' as 'js', {}, () => undefined)).toThrow(ConfigError);
    expect(() => selectPngEncoder('sharp' as 'js', {}, () => undefined)).toThrow(/"sharp"/);
  });
});

describe('selectEncoder with --format', () => {
  it.skipIf(skipNative)('gives the native PNG encoder for png + auto/native, and its format', () => {
    for (const kind of ['auto', 'native'] as const) {
      const enc = selectEncoder(kind, { quality: 80, format: 'png' }, () => undefined);
      expect([enc.name, enc.format]).toEqual(['native-png', 'png']);
    }
    expect(selectEncoder('js', { quality: 80, format: 'png' }, () => undefined).name).toBe('js-png');
    expect(selectEncoder('auto', { quality: 80 }, () => undefined).format).toBe('jpeg');
  });

  it('refuses a kind that cannot write the format, and an unknown format', () => {
    const bad = (kind: EncoderKind, format: string) => () => selectEncoder(kind, { quality: 80, format: format as 'png' }, () => undefined);
    expect(bad('sharp', 'png')).toThrow(expect.objectContaining({ code: 'GBS_ERR_ENCODER_UNKNOWN', message: expect.stringContaining('JPEG only') }));
    expect(bad('js', 'jpeg')).toThrow(expect.objectContaining({ code: 'GBS_ERR_ENCODER_UNKNOWN', message: expect.stringContaining('PNG only') }));
    expect(bad('auto', 'gif')).toThrow(expect.objectContaining({ code: 'GBS_ERR_ENCODER_UNKNOWN', message: expect.stringContaining('"gif"') }));
  });

  it('names the kind that makes an encoder again (worker threads)', () => {
    expect(['native', 'sharp', 'native-png', 'js-png'].map(encoderKindOf)).toEqual(['native', 'sharp', 'native', 'js']);
  });

  it('without the addon: png + auto falls back to the JS encoder and warns once; png + native is a ConfigError', async () => {
    // A fresh module instance whose addon paths point nowhere, to see the unavailable branch.
    vi.resetModules();
    vi.doMock('node:module', async (orig) => {
      const mod = await orig<typeof import('node:module')>();
      return {
        ...mod,
        createRequire: () => () => {
          throw Object.assign(new Error('Cannot find module gbstream_png.node'), { code: 'MODULE_NOT_FOUND' });
        },
      };
    });
    try {
      const fresh = await import('../src/encode/select-encoder.js');
      const warnings: string[] = [];
      expect(fresh.selectEncoder('auto', { quality: 80, format: 'png' }, (m) => warnings.push(m)).name).toBe('js-png');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^native PNG encoder unavailable \(.*not built.*\); using the JS PNG encoder$/);
      expect(() => fresh.selectEncoder('native', { quality: 80, format: 'png' }, () => undefined)).toThrow(
        expect.objectContaining({ code: 'GBS_ERR_ENCODER_UNAVAILABLE', message: expect.stringMatching(/native PNG encoder is unavailable: .*not built/) }),
      );
    } finally {
      vi.doUnmock('node:module');
      vi.resetModules();
    }
  });
});
