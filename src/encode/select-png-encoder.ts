/**
 * Picks the PNG encoder the way select-encoder.ts picks the JPEG one: `auto` prefers the native
 * addon and falls back to the JS encoder, saying why once; asking for `native` when it cannot load
 * is a configuration error, not a silent fallback.
 */
import { ConfigError } from '../config-error.js';
import type { FrameEncoder } from './encoder.js';
import { JsPngEncoder } from './png-js-encoder.js';
import { NativePngEncoder, tryLoadNativePngBinding } from './png-native-encoder.js';
import type { PngOptions } from './png-options.js';

export type PngEncoderKind = 'auto' | 'native' | 'js';

export const PNG_ENCODER_KINDS: readonly PngEncoderKind[] = ['auto', 'native', 'js'];

/**
 * @param warn called at most once, when `auto` falls back to the JS encoder.
 * @throws ConfigError `GBS_ERR_ENCODER_UNAVAILABLE` when `native` is asked for and cannot load,
 *   `GBS_ERR_ENCODER_UNKNOWN` for any other kind.
 */
export function selectPngEncoder(kind: PngEncoderKind, options: PngOptions, warn: (msg: string) => void): FrameEncoder {
  if (!PNG_ENCODER_KINDS.includes(kind)) {
    throw new ConfigError('GBS_ERR_ENCODER_UNKNOWN', `Expected a PNG encoder of auto, native or js, got "${String(kind)}"`);
  }
  if (kind === 'js') return new JsPngEncoder(options);
  const loaded = tryLoadNativePngBinding();
  if ('binding' in loaded) return new NativePngEncoder(options, loaded.binding);
  if (kind === 'native') {
    throw new ConfigError('GBS_ERR_ENCODER_UNAVAILABLE', `native PNG encoder is unavailable: ${loaded.reason}; use --encoder auto`);
  }
  warn(`native PNG encoder unavailable (${loaded.reason}); using the JS PNG encoder`);
  return new JsPngEncoder(options);
}
