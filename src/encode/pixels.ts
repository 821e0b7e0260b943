/**
 * Pixel format conversions. The pipeline itself needs none: it copies the core's RGB buffer
 * (`ServerboyEmulator.screenRgb()`). These serve agents' observations and the test that compares
 * that buffer with serverboy's own RGBA screen array.
 */

/** RGBA (any array-like, e.g. serverboy's plain-Array screen) → RGB bytes. */
export function rgbaToRgb(rgba: ArrayLike<number>, pixels: number, out = new Uint8Array(pixels * 3)): Uint8Array {
  for (let i = 0, o = 0; i < pixels * 4; i += 4, o += 3) {
    out[o] = rgba[i]!;
    out[o + 1] = rgba[i + 1]!;
    out[o + 2] = rgba[i + 2]!;
  }
  return out;
}

/** RGB → RGBA with opaque alpha (agent observations). */
export function rgbToRgba(rgb: Uint8Array, out = new Uint8Array((rgb.length / 3) * 4)): Uint8Array {
  for (let i = 0, o = 0; i < rgb.length; i += 3, o += 4) {
    out[o] = rgb[i]!;
    out[o + 1] = rgb[i + 1]!;
    out[o + 2] = rgb[i + 2]!;
    out[o + 3] = 255;
  }
  return out;
}

/** RGB → 8-bit luma (ITU-R BT.601 weights, integer arithmetic), for grayscale observations. */
export function rgbToGray(rgb: Uint8Array, out = new Uint8Array(rgb.length / 3)): Uint8Array {
  for (let i = 0, o = 0; i < rgb.length; i += 3, o++) {
    out[o] = (rgb[i]! * 77 + rgb[i + 1]! * 150 + rgb[i + 2]! * 29) >> 8;
  }
  return out;
}
