/**
 * The real width and height of a JPEG or PNG, read from its header without decoding it: a
 * published JPEG that says 16k×16k would cost ~800 MB to decode for `/api/frame.png`, so the hub
 * compares these with the announced size first. Pure functions over bytes; every read is bounds
 * checked, and a header that cannot be read is GbsError(BadFormat) naming where it broke.
 */
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';

export interface ImageSize {
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
/** "IHDR" as a big-endian u32: the first chunk of every PNG, 13 bytes of data. */
const IHDR = 0x49484452;
const IHDR_BYTES = 13;

function bad(format: string, why: string): GbsError {
  return new GbsError(ErrorCode.BadFormat, `${format} header: ${why}`);
}

function view(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Width and height from a PNG's IHDR chunk (right after the signature, as the format requires).
 * @throws GbsError(BadFormat) for a missing signature, a short or misplaced IHDR, a zero side.
 */
export function pngSize(data: Uint8Array): ImageSize {
  if (data.byteLength < PNG_SIGNATURE.length || PNG_SIGNATURE.some((b, i) => data[i] !== b)) throw bad('PNG', 'no PNG signature');
  const at = PNG_SIGNATURE.length;
  if (data.byteLength < at + 8 + IHDR_BYTES) throw bad('PNG', `${data.byteLength} bytes end before the IHDR chunk does (${at + 8 + IHDR_BYTES})`);
  const v = view(data);
  const length = v.getUint32(at);
  const type = v.getUint32(at + 4);
  if (type !== IHDR) throw bad('PNG', `the first chunk is ${JSON.stringify(String.fromCharCode(...data.subarray(at + 4, at + 8)))}, not IHDR`);
  if (length !== IHDR_BYTES) throw bad('PNG', `IHDR has ${length} bytes of data, not ${IHDR_BYTES}`);
  const width = v.getUint32(at + 8);
  const height = v.getUint32(at + 12);
  if (width === 0 || height === 0) throw bad('PNG', `IHDR says ${width}×${height}`);
  return { width, height };
}

/** Start-of-frame markers (SOF0–SOF15) carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * Width and height from a JPEG's start-of-frame segment, walking the segments before it (each
 * skipped by its length; only the markers that stand alone have none).
 * @throws GbsError(BadFormat) for a missing SOI, a segment that runs past the end or has a length
 *   under 2, scan data or EOI before any SOF, or a size of zero (a height defined later by DNL).
 */
export function jpegSize(data: Uint8Array): ImageSize {
  if (data.byteLength < 2 || data[0] !== 0xff || data[1] !== 0xd8) throw bad('JPEG', 'no SOI marker');
  const v = view(data);
  let at = 2;
  for (;;) {
    if (at >= data.byteLength || data[at] !== 0xff) throw bad('JPEG', at >= data.byteLength ? `no SOF marker in ${data.byteLength} bytes` : `expected a marker at byte ${at}, found 0x${data[at]!.toString(16)}`);
    while (at < data.byteLength && data[at] === 0xff) at++; // fill bytes
    if (at >= data.byteLength) throw bad('JPEG', `no SOF marker in ${data.byteLength} bytes`);
    const marker = data[at++]!;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // TEM, RSTn: no length
    if (marker === 0xd8 || marker === 0xd9 || marker === 0xda) throw bad('JPEG', `marker 0x${marker.toString(16)} at byte ${at - 1} before any SOF`);
    if (at + 2 > data.byteLength) throw bad('JPEG', `segment 0x${marker.toString(16)} at byte ${at - 2} has no length`);
    const length = v.getUint16(at);
    if (length < 2 || at + length > data.byteLength) throw bad('JPEG', `segment 0x${marker.toString(16)} at byte ${at - 2} says ${length} bytes; ${data.byteLength - at} are left`);
    if (isStartOfFrame(marker)) {
      if (length < 8) throw bad('JPEG', `SOF segment of ${length} bytes is too short for a size`);
      const height = v.getUint16(at + 3);
      const width = v.getUint16(at + 5);
      if (width === 0 || height === 0) throw bad('JPEG', `SOF says ${width}×${height}`);
      return { width, height };
    }
    at += length;
  }
}
