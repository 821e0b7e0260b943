/**
 * Picks the frame encoder for `--encoder native|sharp|auto`. `auto` prefers the native addon and
 * falls back to sharp, saying why once; asking for `native` when it is unavailable is a
 * configuration error, not a silent fallback.
 */
import { ConfigError } from '../config-error.js';
import type { EncoderOptions, FrameEncoder } from './encoder.js';
import { NativeEncoder, tryLoadNativeBinding } from './native-encoder.js';
import { SharpEncoder } from './sharp-encoder.js';

export type EncoderKind = 'auto' | 'native' | 'sharp';

export const ENCODER_KINDS: readonly EncoderKind[] = ['auto', 'native', 'sharp'];

/**
 * @param warn called at most once, when `auto` falls back to sharp.
 * @throws ConfigError `GBS_ERR_ENCODER_UNAVAILABLE` when `native` is asked for and cannot load,
 *   `GBS_ERR_ENCODER_UNKNOWN` for any other kind (the CLI passes user strings through).
 */
export function selectEncoder(kind: EncoderKind, options: EncoderOptions, warn: (msg: string) => void): FrameEncoder {
  if (!ENCODER_KINDS.includes(kind)) {
    throw new ConfigError('GBS_ERR_ENCODER_UNKNOWN', `Expected --encoder to be auto, native or sharp, got "${String(kind)}"`);
  }
  if (kind === 'sharp') return new SharpEncoder(options);
  const loaded = tryLoadNativeBinding();
  if ('binding' in loaded) return new NativeEncoder(options, loaded.binding);
  if (kind === 'native') {
    throw new ConfigError(
      'GBS_ERR_ENCODER_UNAVAILABLE',
      `--encoder "native" is unavailable: ${loaded.reason}; use --encoder sharp or auto`,
    );
  }
  warn(`native JPEG encoder unavailable (${loaded.reason}); using sharp`);
  return new SharpEncoder(options);
}
