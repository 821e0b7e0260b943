/**
 * What both PNG encoders (native and JS) share: options, their defaults, the size limits and the
 * argument check, so the two accept and refuse exactly the same frames.
 */
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';

/** zlib strategies, by zlib's own numbering (Z_DEFAULT_STRATEGY … Z_FIXED). */
export const PNG_STRATEGIES = { default: 0, filtered: 1, huffman: 2, rle: 3, fixed: 4 } as const;
export type PngStrategy = keyof typeof PNG_STRATEGIES;

/**
 * PNG row filters, by PNG's numbering; `adaptive` picks per row the filter with the smallest sum
 * of absolute byte values (libpng's heuristic).
 */
export const PNG_FILTERS = { none: 0, sub: 1, up: 2, average: 3, paeth: 4, adaptive: 5 } as const;
export type PngFilter = keyof typeof PNG_FILTERS;

export interface PngOptions {
  /** zlib level 0–9. */
  level?: number;
  strategy?: PngStrategy;
  filter?: PngFilter;
}

/**
 * Chosen by `node bench/png.bench.mjs --levels` on demo-ROM and Blargg frames (table in the
 * README): see there for why this level, strategy and filter.
 */
export const PNG_DEFAULTS: Required<PngOptions> = { level: 6, strategy: 'default', filter: 'none' };

/** Largest side and area either encoder takes (a 16×16 mosaic of frames is 2560×2304). */
export const PNG_MAX_SIDE = 16384;
export const PNG_MAX_PIXELS = 1 << 24;

/** Fills in defaults and checks the values (a programming error, so a plain RangeError). */
export function resolvePngOptions(options: PngOptions = {}): Required<PngOptions> {
  const o = { ...PNG_DEFAULTS, ...options };
  if (!Number.isInteger(o.level) || o.level < 0 || o.level > 9) throw new RangeError(`Expected PNG level 0–9, got ${o.level}`);
  if (!(o.strategy in PNG_STRATEGIES)) throw new RangeError(`Unknown PNG strategy "${o.strategy}"`);
  if (!(o.filter in PNG_FILTERS)) throw new RangeError(`Unknown PNG filter "${o.filter}"`);
  return o;
}

/**
 * Checks one frame's arguments the way `native/src/png_encoder.c` does.
 * @throws GbsError `GBS_ERR_ENCODE_ARG` quoting the bad value.
 */
export function checkFrameArgs(pixels: unknown, width: number, height: number, channels: number): void {
  const bad = (msg: string) => new GbsError(ErrorCode.EncodeArg, msg);
  if (!(pixels instanceof Uint8Array)) throw bad('Expected `pixels` to be a Uint8Array or Buffer');
  for (const [name, v, max] of [['width', width, PNG_MAX_SIDE], ['height', height, PNG_MAX_SIDE], ['channels', channels, 4]] as const) {
    const min = name === 'channels' ? 3 : 1;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw bad(`Expected \`${name}\` to be an integer ${min}-${max}, got \`${String(v)}\``);
    }
  }
  if (width * height > PNG_MAX_PIXELS) throw bad(`Expected at most ${PNG_MAX_PIXELS} pixels, got ${width}x${height}`);
  const expected = width * height * channels;
  if (pixels.length !== expected) {
    throw bad(`Expected \`pixels\` to hold ${width}x${height}x${channels} = ${expected} bytes, got ${pixels.length}`);
  }
}
