import { describe, expect, it } from 'vitest';
import { rgbaToRgb, rgbToGray, rgbToRgba } from '../src/encode/pixels.js';

describe('pixel conversions', () => {
  const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);

  it('RGB → RGBA adds opaque alpha, and RGBA → RGB takes it off again', () => {
    const rgba = rgbToRgba(rgb);
    expect([...rgba]).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]);
    expect([...rgbaToRgb([...rgba], 4)]).toEqual([...rgb]);
  });

  it('RGB → gray uses BT.601 weights (green brightest, white stays 255-ish)', () => {
    const gray = [...rgbToGray(rgb)];
    expect(gray).toEqual([76, 149, 28, 255]);
  });
});
