/**
 * JPEG encoder over our own libjpeg-turbo addon (`native/`). ~0.1 ms per 160×144 frame here
 * against sharp's ~1.3 ms, because it skips libvips' per-call pipeline setup and reuses one
 * compressor and one output buffer between frames.
 *
 * The addon is optional: `npm install` builds it when it can (native/build.mjs) and gbstream
 * falls back to sharp when it did not (see select-encoder.ts).
 */
import type { EncoderOptions, FrameEncoder } from './encoder.js';
import { loadAddon, type AddonLoadResult } from '../native-addon.js';

/** What `native/src/jpeg_encoder.c` exports. */
export interface NativeBinding {
  /** A compressor plus its reusable buffers, freed when the handle is garbage-collected. */
  createEncoder(): object;
  /**
   * Compresses one frame synchronously into a new Buffer.
   * @throws TypeError / RangeError (code `GBS_ERR_NATIVE_ARG`) on bad arguments, checked before
   *   libjpeg runs; Error (code `GBS_ERR_NATIVE_ENCODE`) when libjpeg fails.
   */
  encode(
    handle: object,
    pixels: Uint8Array,
    width: number,
    height: number,
    channels: number,
    quality: number,
    subsampling444: boolean,
  ): Buffer;
}

export type NativeLoadResult = AddonLoadResult<NativeBinding>;

/** Loads the addon once; on failure says why (not built, or built but cannot load libjpeg). */
export function tryLoadNativeBinding(): NativeLoadResult {
  return loadAddon<NativeBinding>('gbstream_jpeg');
}

/** The addon, or `undefined` when it is not built or cannot load. */
export function loadNativeBinding(): NativeBinding | undefined {
  const result = tryLoadNativeBinding();
  return 'binding' in result ? result.binding : undefined;
}

export class NativeEncoder implements FrameEncoder {
  readonly name = 'native';
  readonly format = 'jpeg';
  readonly #binding: NativeBinding;
  readonly #handle: object;
  readonly #quality: number;
  readonly #full: boolean;

  /** @throws Error when the addon is unavailable and no binding is given. */
  constructor(options: EncoderOptions, binding: NativeBinding | undefined = loadNativeBinding()) {
    if (binding === undefined) {
      const result = tryLoadNativeBinding();
      throw new Error(`native JPEG encoder unavailable: ${'reason' in result ? result.reason : 'unknown'}`);
    }
    this.#binding = binding;
    this.#handle = binding.createEncoder();
    this.#quality = options.quality;
    this.#full = (options.subsampling ?? '4:4:4') === '4:4:4';
  }

  /**
   * Encodes synchronously (~0.1 ms: not worth a thread hop) and returns a settled Promise, so
   * bad input rejects like sharp's does instead of throwing.
   */
  encode(pixels: Uint8Array, width: number, height: number, channels: 3 | 4): Promise<Buffer> {
    try {
      return Promise.resolve(
        this.#binding.encode(this.#handle, pixels, width, height, channels, this.#quality, this.#full),
      );
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
}
