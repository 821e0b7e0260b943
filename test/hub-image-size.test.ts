/**
 * JPEG and PNG sizes read from their headers (src/hub/image-size.ts), on real images from sharp
 * and libjpeg-turbo's baseline and progressive writers, and on malformed headers: each one a
 * GbsError(BadFormat) that says where it broke, never a RangeError or a wrong size.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { jpegSize, pngSize } from '../src/hub/image-size.js';
import { ErrorCode } from '../src/protocol/constants.js';
import { codeOf } from './helpers/code-of.js';

const raw = (w: number, h: number) => sharp(Buffer.alloc(w * h * 3, 90), { raw: { width: w, height: h, channels: 3 } });


/** A JPEG that is only SOI + one SOF0 segment claiming `w`×`h` (what a hostile publisher sends). */
const sofOnly = (w: number, h: number) => Uint8Array.of(0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, h >> 8, h & 255, w >> 8, w & 255, 1, 1, 0x11, 0);

describe('image sizes from headers', () => {
  it('reads a real JPEG’s size: baseline, progressive, with EXIF in front, odd sizes', async () => {
    expect(jpegSize(await raw(160, 144).jpeg().toBuffer())).toEqual({ width: 160, height: 144 });
    expect(jpegSize(await raw(37, 501).jpeg({ progressive: true }).toBuffer())).toEqual({ width: 37, height: 501 });
    const withExif = await raw(300, 20).withMetadata({ exif: { IFD0: { Copyright: 'x'.repeat(500) } } }).jpeg().toBuffer();
    expect(withExif[3]).toBe(0xe1); // APP1 comes before the SOF and is skipped by its length
    expect(jpegSize(withExif)).toEqual({ width: 300, height: 20 });
    expect(jpegSize(sofOnly(16384, 16384))).toEqual({ width: 16384, height: 16384 });
  });

  it('reads a real PNG’s size', async () => {
    expect(pngSize(await raw(160, 144).png().toBuffer())).toEqual({ width: 160, height: 144 });
    expect(pngSize(await raw(1, 999).png().toBuffer())).toEqual({ width: 1, height: 999 });
  });

  it('refuses malformed JPEG headers with GBS_ERR_BAD_FORMAT', async () => {
    const good = await raw(16, 16).jpeg().toBuffer();
    const cases: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['no SOI', Uint8Array.of(0xff, 0xd9, 0xff, 0xc0)],
      ['SOI only', Uint8Array.of(0xff, 0xd8)],
      ['SOI and fill bytes', Uint8Array.of(0xff, 0xd8, 0xff, 0xff)],
      ['a marker without its length', Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0)],
      ['a segment length of 0', Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 0, 1, 2)],
      ['a segment running past the end', Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff, 1, 2)],
      ['no marker where one must be', Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 2, 0x12, 0x34)],
      ['scan data before any SOF', Uint8Array.of(0xff, 0xd8, 0xff, 0xda, 0, 2)],
      ['EOI before any SOF', Uint8Array.of(0xff, 0xd8, 0xff, 0xd9)],
      ['a SOF too short for a size', Uint8Array.of(0xff, 0xd8, 0xff, 0xc0, 0, 4, 8, 0)],
      ['a height of 0 (DNL)', sofOnly(160, 0)],
      ['a real JPEG cut inside its header', good.subarray(0, 30)],
    ];
    for (const [name, bytes] of cases) expect(codeOf(() => jpegSize(bytes)), name).toBe(ErrorCode.BadFormat);
    expect(() => jpegSize(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff, 1, 2))).toThrow(/segment 0xe0 at byte 2 says 65535 bytes; 4 are left/);
  });

  it('refuses malformed PNG headers with GBS_ERR_BAD_FORMAT', async () => {
    const good = new Uint8Array(await raw(16, 16).png().toBuffer());
    const patched = (at: number, ...bytes: number[]) => {
      const copy = good.slice();
      copy.set(bytes, at);
      return copy;
    };
    const cases: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['no signature', patched(1, 0x51)],
      ['signature only', good.subarray(0, 8)],
      ['cut inside IHDR', good.subarray(0, 20)],
      ['first chunk not IHDR', patched(12, 0x49, 0x44, 0x41, 0x54)],
      ['IHDR of the wrong length', patched(8, 0, 0, 0, 12)],
      ['a width of 0', patched(16, 0, 0, 0, 0)],
    ];
    for (const [name, bytes] of cases) expect(codeOf(() => pngSize(bytes)), name).toBe(ErrorCode.BadFormat);
    expect(() => pngSize(patched(12, 0x49, 0x44, 0x41, 0x54))).toThrow(/the first chunk is "IDAT", not IHDR/);
  });
});
