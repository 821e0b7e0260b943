/**
 * Pure checks and conversions for frames that publishers send: raw pixels become the RGB/RGBA
 * bytes the encoders take; a ready JPEG or PNG is checked for its signature and for the size its
 * header gives (it must be the announced one), and passed through.
 * No sockets, no encoder: the publisher session calls these and encodes the result.
 */
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { FrameFormat, PubFrameFormat } from '../protocol/messages.js';
import { jpegSize, pngSize } from './image-size.js';

/** Smallest and largest width/height a publisher may announce. */
export const MIN_SIDE = 8;
export const MAX_SIDE = 1024;

const CHANNELS: Record<Exclude<PubFrameFormat, FrameFormat>, 1 | 3 | 4> = { gray: 1, rgb: 3, rgba: 4 };

/** The first bytes of each image format a publisher may send ready-made. */
const SIGNATURES: Record<FrameFormat, readonly number[]> = {
  jpeg: [0xff, 0xd8, 0xff], // SOI, then any marker
  png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
};

/** What the encoder gets: pixels with 3 or 4 channels, or a JPEG/PNG to send as is. */
export type PreparedFrame = { kind: 'pixels'; pixels: Uint8Array; channels: 3 | 4 } | { kind: 'encoded'; format: FrameFormat; data: Uint8Array };

/**
 * Checks an announced frame size.
 * @throws GbsError(BadSize) for a side outside MIN_SIDE..MAX_SIDE or a non-integer.
 */
export function checkFrameSize(width: number, height: number, maxBytes: number): void {
  for (const [name, side] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(side) || side < MIN_SIDE || side > MAX_SIDE) {
      throw new GbsError(ErrorCode.BadSize, `${name} must be an integer ${MIN_SIDE}–${MAX_SIDE}, got ${String(side)}`);
    }
  }
  if (width * height * 4 > maxBytes) {
    throw new GbsError(ErrorCode.BadSize, `${width}×${height} RGBA frames (${width * height * 4} bytes) would not fit in one ${maxBytes}-byte message`);
  }
}

/**
 * Validates one published frame against the announced size and converts gray to RGB (the
 * encoders take 3 or 4 channels). `scratch` is reused for the gray conversion when big enough.
 * @throws GbsError(BadFormat) for an unknown format, or a "jpeg"/"png" without its signature or
 *   with a header that cannot be read; GbsError(BadSize) when the byte count is not
 *   width × height × channels, or a JPEG/PNG header gives another size than the announced one.
 */
export function prepareFrame(format: unknown, data: Uint8Array, width: number, height: number, scratch?: Uint8Array): PreparedFrame {
  if (format === 'jpeg' || format === 'png') {
    // The signature is enough to refuse garbage (or a PNG called jpeg) without decoding.
    const signature = SIGNATURES[format];
    if (data.byteLength <= signature.length || signature.some((b, i) => data[i] !== b)) {
      throw new GbsError(ErrorCode.BadFormat, `"${format}" data does not start with the ${format.toUpperCase()} signature, ${data.byteLength} bytes`);
    }
    // Decoded later (a PNG for /api/frame.png, a thumbnail): refuse a size nobody announced first.
    const size = format === 'jpeg' ? jpegSize(data) : pngSize(data);
    if (size.width !== width || size.height !== height) {
      throw new GbsError(ErrorCode.BadSize, `${format} frame is ${size.width}×${size.height}; this publisher announced ${width}×${height}`);
    }
    return { kind: 'encoded', format, data };
  }
  if (format !== 'rgb' && format !== 'rgba' && format !== 'gray') {
    throw new GbsError(ErrorCode.BadFormat, `format must be rgb, rgba, gray, jpeg or png, got ${JSON.stringify(String(format).slice(0, 20))}`);
  }
  const channels = CHANNELS[format];
  const expected = width * height * channels;
  if (data.byteLength !== expected) {
    throw new GbsError(ErrorCode.BadSize, `${format} frame of ${width}×${height} must be ${expected} bytes, got ${data.byteLength}`);
  }
  if (channels !== 1) return { kind: 'pixels', pixels: data, channels };
  return { kind: 'pixels', pixels: grayToRgb(data, scratch), channels: 3 };
}

/** 8-bit gray → RGB (each byte three times). */
export function grayToRgb(gray: Uint8Array, scratch?: Uint8Array): Uint8Array {
  const out = scratch && scratch.byteLength >= gray.byteLength * 3 ? scratch.subarray(0, gray.byteLength * 3) : new Uint8Array(gray.byteLength * 3);
  for (let i = 0, o = 0; i < gray.byteLength; i++, o += 3) {
    const v = gray[i]!;
    out[o] = v;
    out[o + 1] = v;
    out[o + 2] = v;
  }
  return out;
}
