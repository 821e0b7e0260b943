/** The Map view's pixel writer (web/src/map-raster.ts): colours, lines, dots, blending, clipping. */
import { describe, expect, it } from 'vitest';
import { discOffsets, dot, fillRect, line, packColour, type Pixels } from '../web/src/map-raster.js';

const BG = packColour('#101310');
const canvas = (w = 16, h = 16): Pixels => ({ width: w, height: h, data: new Uint32Array(w * h).fill(BG) });
const at = (p: Pixels, x: number, y: number) => p.data[y * p.width + x]!;

describe('map raster', () => {
  it('packs #rrggbb and #rgb as ImageData holds them (RGBA bytes, little-endian)', () => {
    const bytes = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
    expect(bytes(packColour('#0033ff'))).toEqual([0x00, 0x33, 0xff, 0xff]);
    expect(bytes(packColour('#f00'))).toEqual([0xff, 0, 0, 0xff]);
    expect(bytes(packColour('red'))).toEqual([0xff, 0xff, 0xff, 0xff]);
  });

  it('draws a line pixel by pixel without its end point, clipped to the canvas', () => {
    const p = canvas();
    const red = packColour('#ff0000');
    line(p, 2, 3, 6, 3, red, 256);
    expect([2, 3, 4, 5].map((x) => at(p, x, 3))).toEqual([red, red, red, red]);
    expect(at(p, 6, 3)).toBe(BG);
    line(p, -5, 10, 40, 10, red, 256); // off both edges: no throw, row filled
    expect(at(p, 0, 10)).toBe(red);
    expect(at(p, 15, 10)).toBe(red);
  });

  it('blends at alpha: half of white over black is mid grey', () => {
    const p: Pixels = { width: 2, height: 1, data: new Uint32Array([0xff000000, 0xff000000]) };
    line(p, 0, 0, 2, 0, packColour('#ffffff'), 128);
    expect(at(p, 0, 0) & 0xff).toBe(127);
    fillRect(p, 0, 0, 1, 1, packColour('#ffffff'), 256);
    expect(at(p, 0, 0)).toBe(packColour('#ffffff'));
  });

  it('a dot has a black rim around its colour, and is clipped at the edge', () => {
    const p = canvas();
    const blue = packColour('#0000ff');
    dot(p, 8, 8, discOffsets(5), discOffsets(4), blue, 256);
    expect(at(p, 8, 8)).toBe(blue);
    expect(at(p, 12, 8)).toBe(blue);
    expect(at(p, 13, 8)).toBe(packColour('#000000'));
    expect(at(p, 15, 8)).toBe(BG);
    dot(p, 0, 0, discOffsets(5), discOffsets(4), blue, 256);
    expect(at(p, 0, 0)).toBe(blue);
  });
});
