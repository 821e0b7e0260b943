/**
 * The world picture as a PNG: 4-bit palette, index 0 fully transparent (no map there), 1–4 the
 * four DMG shades. DMG shades, not the Game Boy Color palettes Yellow also carries: one picture
 * for all three games, and the shades are the colour numbers the game itself draws with.
 */
import { promisify } from 'node:util';
import { deflate, deflateSync } from 'node:zlib';
import { PNG_SIGNATURE, pngChunk } from '../../encode/png-frame.js';
import type { ShadeImage } from './render.js';

/** RGB of shades 0–3 (white, light grey, dark grey, black), as DMG-mode cores show them in grey. */
export const DMG_SHADES: readonly (readonly [number, number, number])[] = [
  [0xff, 0xff, 0xff],
  [0xaa, 0xaa, 0xaa],
  [0x55, 0x55, 0x55],
  [0x00, 0x00, 0x00],
];


/**
 * Encodes an image whose pixels are 0 (transparent) or shade + 1 (see renderWorld).
 * Rows are unfiltered: the picture is flat tiles, which deflate finds as repeats by itself.
 */
export function encodeWorldPng(image: ShadeImage, level = 6): Buffer {
  return assemble(image, deflateSync(pack(image), { level }));
}

/** The same with deflate on libuv's thread pool (what a running server uses). */
export async function encodeWorldPngAsync(image: ShadeImage, level = 6): Promise<Buffer> {
  return assemble(image, await deflateAsync(pack(image), { level }));
}

const deflateAsync = promisify(deflate);

/** Scanlines of two 4-bit indices a byte, each led by filter byte 0. */
function pack({ width, height, pixels }: ShadeImage): Uint8Array {
  const rowBytes = Math.ceil(width / 2);
  const raw = new Uint8Array(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    const o = y * (rowBytes + 1) + 1;
    const row = y * width;
    for (let x = 0; x + 1 < width; x += 2) raw[o + (x >> 1)] = (pixels[row + x]! << 4) | pixels[row + x + 1]!;
    if (width & 1) raw[o + rowBytes - 1] = pixels[row + width - 1]! << 4;
  }
  return raw;
}

function assemble({ width, height }: ShadeImage, zdata: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 4; // bits per index
  ihdr[9] = 3; // palette
  const palette = Buffer.from([0, 0, 0, ...DMG_SHADES.flat()]);
  const alpha = Buffer.from([0]); // index 0 transparent, the rest opaque
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('PLTE', palette), pngChunk('tRNS', alpha), pngChunk('IDAT', zdata), pngChunk('IEND', new Uint8Array(0))]);
}
