/**
 * Lossless PNG in plain JS (node:zlib's deflate): the fallback when the native PNG addon is not
 * built. Up to 256 colours → palette PNG at 1/2/4/8 bits per pixel by colour count; more →
 * truecolour RGB. Same palette order, filters and limits as `native/src/png_encoder.c`.
 */
import { deflateSync } from 'node:zlib';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { FrameEncoder } from './encoder.js';
import { applyFilters, assemblePng, buildPalette, depthFor, indexedScanlines, newPaletteScratch, rgbScanlines } from './png-frame.js';
import { PNG_FILTERS, PNG_STRATEGIES, checkFrameArgs, resolvePngOptions, type PngOptions } from './png-options.js';

export class JsPngEncoder implements FrameEncoder {
  readonly name = 'js-png';
  readonly format = 'png';
  readonly #level: number;
  readonly #strategy: number;
  readonly #filter: number;
  readonly #scratch = newPaletteScratch();

  /** @throws RangeError on an unknown level, strategy or filter. */
  constructor(options: PngOptions = {}) {
    const o = resolvePngOptions(options);
    this.#level = o.level;
    this.#strategy = PNG_STRATEGIES[o.strategy];
    this.#filter = PNG_FILTERS[o.filter];
  }

  /** Rejects with GbsError `GBS_ERR_ENCODE_ARG` on bad arguments (like the native encoder). */
  encode(pixels: Uint8Array, width: number, height: number, channels: 3 | 4): Promise<Buffer> {
    try {
      return Promise.resolve(this.encodeSync(pixels, width, height, channels));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /**
   * Encodes one frame now.
   * @throws GbsError `GBS_ERR_ENCODE_ARG` on bad arguments, `GBS_ERR_ENCODE_FAILED` if zlib fails.
   */
  encodeSync(pixels: Uint8Array, width: number, height: number, channels: 3 | 4): Buffer {
    checkFrameArgs(pixels, width, height, channels);
    const colours = buildPalette(this.#scratch, pixels, width * height, channels);
    const indexed = colours <= 256;
    const depth = indexed ? depthFor(colours) : 8;
    const { raw, rowBytes } = indexed
      ? indexedScanlines(this.#scratch.index, width, height, depth)
      : rgbScanlines(pixels, width, height, channels);
    applyFilters(raw, height, rowBytes, indexed ? 1 : 3, this.#filter);
    let zdata: Buffer;
    try {
      zdata = deflateSync(raw, { level: this.#level, strategy: this.#strategy });
    } catch (err) {
      throw new GbsError(ErrorCode.EncodeFailed, `zlib: ${(err as Error).message}`);
    }
    return assemblePng(
      indexed
        ? { width, height, depth, colourType: 3, palette: this.#scratch.palette.subarray(0, colours * 3) }
        : { width, height, depth, colourType: 2 },
      zdata,
    );
  }
}
