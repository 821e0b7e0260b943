/**
 * Lossless PNG over our zlib addon (`native/src/png_encoder.c`): the same frames as
 * `JsPngEncoder`, without JS's per-pixel cost and with one deflate stream reused between frames.
 * The addon is optional; select-png-encoder.ts falls back to the JS encoder when it is missing.
 */
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { FrameEncoder } from './encoder.js';
import { PNG_FILTERS, PNG_STRATEGIES, resolvePngOptions, type PngOptions } from './png-options.js';
import { loadAddon, type AddonLoadResult } from '../native-addon.js';

/** What `native/src/png_encoder.c` exports. */
export interface NativePngBinding {
  /** A deflate stream plus reusable buffers, freed when the handle is garbage-collected. */
  createEncoder(level: number, strategy: number, filter: number): object;
  /**
   * Encodes one frame synchronously into a new Buffer.
   * @throws TypeError / RangeError (code `GBS_ERR_ENCODE_ARG`) on bad arguments, checked before a
   *   pixel is read; Error (code `GBS_ERR_ENCODE_FAILED`) on an allocation or zlib failure.
   */
  encode(handle: object, pixels: Uint8Array, width: number, height: number, channels: number): Buffer;
}

export type NativePngLoadResult = AddonLoadResult<NativePngBinding>;

/** Loads the addon once; on failure says why (not built, or built but cannot load zlib). */
export function tryLoadNativePngBinding(): NativePngLoadResult {
  return loadAddon<NativePngBinding>('gbstream_png');
}

/** The addon's errors carry a `code` but are plain TypeErrors; give callers one error class. */
function toGbsError(err: unknown): Error {
  const code = (err as { code?: unknown }).code;
  if (code === ErrorCode.EncodeArg || code === ErrorCode.EncodeFailed) return new GbsError(code, (err as Error).message);
  return err as Error;
}

export class NativePngEncoder implements FrameEncoder {
  readonly name = 'native-png';
  readonly format = 'png';
  readonly #binding: NativePngBinding;
  readonly #handle: object;

  /** @throws Error when the addon is unavailable and no binding is given. */
  constructor(options: PngOptions = {}, binding?: NativePngBinding) {
    const loaded = binding ? { binding } : tryLoadNativePngBinding();
    if (!('binding' in loaded)) throw new Error(`native PNG encoder unavailable: ${loaded.reason}`);
    const o = resolvePngOptions(options);
    this.#binding = loaded.binding;
    this.#handle = loaded.binding.createEncoder(o.level, PNG_STRATEGIES[o.strategy], PNG_FILTERS[o.filter]);
  }

  /** Synchronous inside (well under a millisecond); bad input rejects with a GbsError. */
  encode(pixels: Uint8Array, width: number, height: number, channels: 3 | 4): Promise<Buffer> {
    try {
      return Promise.resolve(this.encodeSync(pixels, width, height, channels));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** @throws GbsError `GBS_ERR_ENCODE_ARG` / `GBS_ERR_ENCODE_FAILED`. */
  encodeSync(pixels: Uint8Array, width: number, height: number, channels: 3 | 4): Buffer {
    try {
      return this.#binding.encode(this.#handle, pixels, width, height, channels);
    } catch (err) {
      throw toGbsError(err);
    }
  }
}
