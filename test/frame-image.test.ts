/**
 * FrameImages: HTTP readers get the format they asked for — the published bytes when they match,
 * else one transcode per frame shared by every reader.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { JsPngEncoder } from '../src/encode/png-js-encoder.js';
import { SharpEncoder } from '../src/encode/sharp-encoder.js';
import { FrameImages, frameFormat } from '../src/http/frame-image.js';

const W = 160;
const H = 144;
const rgb = new Uint8Array(W * H * 3).map((_, i) => ((i / 3) % 7 === 0 ? 0x0f : 0x9b) + (i % 3));

const raw = (img: Uint8Array) => sharp(img).removeAlpha().raw().toBuffer({ resolveWithObject: true });

describe('FrameImages', () => {
  it('hands out the published bytes when the format matches, without transcoding', async () => {
    const images = new FrameImages();
    const png = await new JsPngEncoder().encode(rgb, W, H, 3);
    expect(await images.get({ format: 'png', data: png }, 'png')).toBe(png);
    const jpeg = await new SharpEncoder({ quality: 80 }).encode(rgb, W, H, 3);
    expect(await images.get({ format: 'jpeg', data: jpeg }, 'jpeg')).toBe(jpeg);
    expect(images.transcoded).toBe(0);
  });

  it('transcodes a PNG frame to JPEG once, however many readers ask', async () => {
    const images = new FrameImages(90);
    const frame = { format: 'png' as const, data: await new JsPngEncoder().encode(rgb, W, H, 3) };
    const [a, b] = await Promise.all([images.get(frame, 'jpeg'), images.get(frame, 'jpeg')]);
    expect(a).toBe(b);
    expect(images.transcoded).toBe(1);
    expect([a[0], a[1]]).toEqual([0xff, 0xd8]);
    const { info } = await raw(a);
    expect([info.width, info.height]).toEqual([W, H]);
  });

  it('transcodes a JPEG frame to a PNG holding exactly the pixels the JPEG decodes to', async () => {
    const jpeg = await new SharpEncoder({ quality: 80 }).encode(rgb, W, H, 3);
    const png = await new FrameImages().get({ format: 'jpeg', data: jpeg }, 'png');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect((await raw(png)).data.equals((await raw(jpeg)).data)).toBe(true);
  });

  it('reads a frame with no or an unknown format as JPEG (recordings from before PNG)', () => {
    expect(frameFormat({ format: 'png' })).toBe('png');
    expect(frameFormat({ format: undefined as unknown as 'jpeg' })).toBe('jpeg');
  });

  it('rejects (not throws) when the bytes are no image', async () => {
    await expect(new FrameImages().get({ format: 'png', data: new Uint8Array([1, 2, 3]) }, 'jpeg')).rejects.toThrow();
  });
});
