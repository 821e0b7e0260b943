/**
 * Pixel copies out of serverboy. Its screen is a plain JS Array of 160×144 RGBA numbers that the
 * next frame replaces, so a published frame is copied to bytes first (~0.07 ms here). Alpha is
 * always 255, so dropping it makes the encoder's input 25 % smaller.
 */
export function rgbaToRgb(rgba: ArrayLike<number>, pixels: number, out = new Uint8Array(pixels * 3)): Uint8Array {
  for (let i = 0, o = 0; i < pixels * 4; i += 4, o += 3) {
    out[o] = rgba[i]!;
    out[o + 1] = rgba[i + 1]!;
    out[o + 2] = rgba[i + 2]!;
  }
  return out;
}
