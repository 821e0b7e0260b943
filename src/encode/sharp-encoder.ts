/**
 * JPEG encoder over `sharp` (libvips). Always available; ~1.3 ms per 160×144 frame here, most of
 * it per-call overhead (see DESIGN §2).
 */
import sharp from 'sharp';
import type { EncoderOptions, FrameEncoder } from './encoder.js';

// Frames are tiny and never repeat: libvips' operation cache only costs memory here.
sharp.cache(false);

export class SharpEncoder implements FrameEncoder {
  readonly name = 'sharp';
  readonly format = 'jpeg';
  readonly #quality: number;
  readonly #subsampling: '4:4:4' | '4:2:0';

  constructor(options: EncoderOptions) {
    this.#quality = options.quality;
    this.#subsampling = options.subsampling ?? '4:4:4';
  }

  encode(pixels: Uint8Array, width: number, height: number, channels: 3 | 4): Promise<Buffer> {
    return sharp(pixels, { raw: { width, height, channels } })
      .jpeg({ quality: this.#quality, chromaSubsampling: this.#subsampling })
      .toBuffer();
  }
}
