/**
 * The encoder stage's one interface: pixels in, image bytes (JPEG or PNG) out.
 *
 * Implementations: JPEG by `sharp` (always there) or the native libjpeg-turbo addon in `native/`
 * (used when it built); lossless PNG by the native zlib addon or its pure JS fallback. The
 * pipeline encodes each published frame once and shares the bytes.
 */
import type { FrameFormat } from '../protocol/messages.js';
import type { PngOptions } from './png-options.js';

export interface FrameEncoder {
  /** Which implementation this is; goes into `hello.encoder`. */
  readonly name: string;
  /** The image format of what `encode` returns; the pipeline puts it in `frame.format`. */
  readonly format: FrameFormat;
  /**
   * Encodes one frame.
   * @param pixels `width * height * channels` bytes, row-major, no padding.
   * @param channels 3 for RGB, 4 for RGBA (alpha is ignored).
   */
  encode(pixels: Uint8Array, width: number, height: number, channels: 3 | 4): Promise<Buffer>;
}

/** Options every encoder accepts. */
export interface EncoderOptions {
  /** JPEG quality 1–100. */
  quality: number;
  /** Chroma subsampling; 4:4:4 keeps pixel art crisp. */
  subsampling?: '4:4:4' | '4:2:0';
  /** Image format to write (`--format`); default `jpeg`. */
  format?: FrameFormat;
  /** zlib level, strategy and row filter for PNG; defaults chosen by bench/png.bench.mjs. */
  png?: PngOptions;
}
