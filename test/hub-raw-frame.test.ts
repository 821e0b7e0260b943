import { describe, expect, it } from 'vitest';
import { checkFrameSize, grayToRgb, prepareFrame } from '../src/hub/raw-frame.js';
import { ErrorCode } from '../src/protocol/constants.js';
import { GbsError } from '../src/protocol/errors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof GbsError ? err.code : `not a GbsError: ${String(err)}`;
  }
  return undefined;
}

describe('raw frames from publishers: validation and conversion', () => {
  it('passes rgb and rgba through with their channel count', () => {
    const rgb = new Uint8Array(160 * 144 * 3);
    expect(prepareFrame('rgb', rgb, 160, 144)).toEqual({ kind: 'pixels', pixels: rgb, channels: 3 });
    const rgba = new Uint8Array(8 * 10 * 4);
    expect(prepareFrame('rgba', rgba, 8, 10)).toEqual({ kind: 'pixels', pixels: rgba, channels: 4 });
  });

  it('turns gray into RGB, each byte three times', () => {
    const out = prepareFrame('gray', Uint8Array.from({ length: 64 }, (_, i) => i), 8, 8);
    expect(out.kind).toBe('pixels');
    if (out.kind !== 'pixels') return;
    expect(out.channels).toBe(3);
    expect([...out.pixels.subarray(0, 9)]).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(grayToRgb(Uint8Array.of(7), new Uint8Array(30)).byteLength).toBe(3);
  });

  it('takes a JPEG or PNG by its signature and refuses anything else called so', () => {
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 0);
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0);
    expect(prepareFrame('jpeg', jpeg, 160, 144)).toEqual({ kind: 'encoded', format: 'jpeg', data: jpeg });
    expect(prepareFrame('png', png, 160, 144)).toEqual({ kind: 'encoded', format: 'png', data: png });
    expect(codeOf(() => prepareFrame('jpeg', png, 160, 144))).toBe(ErrorCode.BadFormat);
    expect(codeOf(() => prepareFrame('png', jpeg, 160, 144))).toBe(ErrorCode.BadFormat);
    expect(codeOf(() => prepareFrame('jpeg', Uint8Array.of(0xff, 0xd8), 160, 144))).toBe(ErrorCode.BadFormat);
  });

  it('refuses unknown formats and wrong byte counts with codes that say which', () => {
    expect(codeOf(() => prepareFrame('bgr', new Uint8Array(3), 1, 1))).toBe(ErrorCode.BadFormat);
    expect(codeOf(() => prepareFrame(undefined, new Uint8Array(3), 1, 1))).toBe(ErrorCode.BadFormat);
    expect(codeOf(() => prepareFrame('rgb', new Uint8Array(160 * 144 * 4), 160, 144))).toBe(ErrorCode.BadSize);
    expect(codeOf(() => prepareFrame('gray', new Uint8Array(160 * 143), 160, 144))).toBe(ErrorCode.BadSize);
    expect(() => prepareFrame('rgb', new Uint8Array(5), 160, 144)).toThrow(/rgb frame of 160×144 must be 69120 bytes, got 5/);
  });

  it('refuses announced sizes outside 8–1024 or too big for one message', () => {
    expect(codeOf(() => checkFrameSize(160, 144, 1 << 20))).toBeUndefined();
    expect(codeOf(() => checkFrameSize(4, 144, 1 << 20))).toBe(ErrorCode.BadSize);
    expect(codeOf(() => checkFrameSize(160, 2000, 1 << 20))).toBe(ErrorCode.BadSize);
    expect(codeOf(() => checkFrameSize(160.5, 144, 1 << 20))).toBe(ErrorCode.BadSize);
    expect(codeOf(() => checkFrameSize(1024, 1024, 1 << 20))).toBe(ErrorCode.BadSize);
  });
});
