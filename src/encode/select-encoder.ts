/**
 * Picks the frame encoder for `--format jpeg|png` and `--encoder auto|native|sharp|js`. `auto`
 * prefers the native addon of the format and falls back (JPEG: sharp, PNG: the JS encoder), saying
 * why once; asking for `native` when it is unavailable is a configuration error, not a silent
 * fallback. `sharp` encodes only JPEG and `js` only PNG.
 */
import { ConfigError } from '../config-error.js';
import type { FrameFormat } from '../protocol/messages.js';
import type { EncoderOptions, FrameEncoder } from './encoder.js';
import { NativeEncoder, tryLoadNativeBinding } from './native-encoder.js';
import { selectPngEncoder } from './select-png-encoder.js';
import { SharpEncoder } from './sharp-encoder.js';

export type EncoderKind = 'auto' | 'native' | 'sharp' | 'js';

export const ENCODER_KINDS: readonly EncoderKind[] = ['auto', 'native', 'sharp', 'js'];

export const FRAME_FORMATS: readonly FrameFormat[] = ['jpeg', 'png'];

/**
 * @param warn called at most once, when `auto` falls back.
 * @throws ConfigError `GBS_ERR_ENCODER_UNAVAILABLE` when `native` is asked for and cannot load,
 *   `GBS_ERR_ENCODER_UNKNOWN` for an unknown kind or format or a kind that cannot write the format
 *   (the CLI passes user strings through).
 */
export function selectEncoder(kind: EncoderKind, options: EncoderOptions, warn: (msg: string) => void): FrameEncoder {
  const format = options.format ?? 'jpeg';
  if (!ENCODER_KINDS.includes(kind)) {
    throw new ConfigError('GBS_ERR_ENCODER_UNKNOWN', `Expected --encoder to be auto, native, sharp or js, got "${String(kind)}"`);
  }
  if (!FRAME_FORMATS.includes(format)) {
    throw new ConfigError('GBS_ERR_ENCODER_UNKNOWN', `Expected --format to be jpeg or png, got "${String(format)}"`);
  }
  if (format === 'png') {
    if (kind === 'sharp') throw new ConfigError('GBS_ERR_ENCODER_UNKNOWN', '--encoder "sharp" writes JPEG only; with --format png use auto, native or js');
    return selectPngEncoder(kind, options.png ?? {}, warn);
  }
  if (kind === 'js') throw new ConfigError('GBS_ERR_ENCODER_UNKNOWN', '--encoder "js" writes PNG only; with --format jpeg use auto, native or sharp');
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

/** The `--encoder` kind that makes the same encoder again (for worker threads), from its name. */
export function encoderKindOf(name: string): EncoderKind {
  return name === 'sharp' ? 'sharp' : name === 'js-png' ? 'js' : 'native';
}
