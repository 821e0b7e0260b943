import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { checkFrameSize, grayToRgb, prepareFrame } from '../src/hub/raw-frame.js';
import { ErrorCode } from '../src/protocol/constants.js';
import { codeOf } from './helpers/code-of.js';

const image = (w: number, h: number) => sharp(Buffer.alloc(w * h * 3, 200), { raw: { width: w, height: h, channels: 3 } });


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

  it('takes a JPEG or PNG by its signature and refuses anything else called so', async () => {
    const jpeg = new Uint8Array(await image(160, 144).jpeg().toBuffer());
    const png = new Uint8Array(await image(160, 144).png().toBuffer());
    expect(prepareFrame('jpeg', jpeg, 160, 144)).toEqual({ kind: 'encoded', format: 'jpeg', data: jpeg });
    expect(prepareFrame('png', png, 160, 144)).toEqual({ kind: 'encoded', format: 'png', data: png });
    expect(codeOf(() => prepareFrame('jpeg', png, 160, 144))).toBe(ErrorCode.BadFormat);
    expect(codeOf(() => prepareFrame('png', jpeg, 160, 144))).toBe(ErrorCode.BadFormat);
    expect(codeOf(() => prepareFrame('jpeg', Uint8Array.of(0xff, 0xd8), 160, 144))).toBe(ErrorCode.BadFormat);
  });

  it('refuses a JPEG or PNG whose header gives another size than the announced one (issue 22 item 10), before anyone decodes it', async () => {
    const big = new Uint8Array(await image(320, 288).jpeg().toBuffer());
    expect(codeOf(() => prepareFrame('jpeg', big, 160, 144))).toBe(ErrorCode.BadSize);
    expect(() => prepareFrame('jpeg', big, 160, 144)).toThrow(/jpeg frame is 320×288; this publisher announced 160×144/);
    const tall = new Uint8Array(await image(160, 145).png().toBuffer());
    expect(codeOf(() => prepareFrame('png', tall, 160, 144))).toBe(ErrorCode.BadSize);
    // Only a header claiming 16k×16k (decoding it for /api/frame.png would take ~800 MB).
    const huge = Uint8Array.of(0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0x40, 0, 0x40, 0, 1, 1, 0x11, 0);
    expect(codeOf(() => prepareFrame('jpeg', huge, 160, 144))).toBe(ErrorCode.BadSize);
    // A header that cannot be read is a format error, not a size.
    expect(codeOf(() => prepareFrame('jpeg', Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 0), 160, 144))).toBe(ErrorCode.BadFormat);
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
