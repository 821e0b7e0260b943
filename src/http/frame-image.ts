/**
 * A published frame's image in the format an HTTP reader needs: `/stream.mjpg` and
 * `/api/frame.jpg` promise JPEG, `/api/frame.png` PNG, whatever `--format` the stream uses. The
 * published bytes go out as they are when the format matches; otherwise the frame is transcoded
 * once (sharp: decode + encode, ~1–2 ms) and the result is shared by every reader of that frame.
 * Only readers pay: a stream nobody reads over HTTP is never transcoded.
 */
import sharp from 'sharp';
import type { FrameMessage } from '../protocol/messages.js';

export type ImageFormat = 'jpeg' | 'png';

/** MIME type by format, for Content-Type headers. */
export const IMAGE_MIME: Record<ImageFormat, string> = { jpeg: 'image/jpeg', png: 'image/png' };

/** The format of a frame's bytes; frames recorded before PNG existed say `jpeg` or nothing. */
export function frameFormat(frame: Pick<FrameMessage, 'format'>): ImageFormat {
  return (frame.format as string) === 'png' ? 'png' : 'jpeg';
}

/**
 * Re-encodes image bytes (JPEG or PNG; sharp detects which) as `to`. JPEG output uses 4:4:4
 * chroma like the stream's own encoders; PNG output is lossless of what the JPEG decodes to.
 */
export function transcode(data: Uint8Array, to: ImageFormat, quality: number): Promise<Buffer> {
  const image = sharp(data);
  return (to === 'jpeg' ? image.jpeg({ quality, chromaSubsampling: '4:4:4' }) : image.png()).toBuffer();
}

export class FrameImages {
  readonly #quality: number;
  /** Keyed by the frame's bytes: a frame's transcodes live exactly as long as someone holds it. */
  readonly #cache = new WeakMap<Uint8Array, Partial<Record<ImageFormat, Promise<Uint8Array>>>>();
  /** Transcodes done (for tests and metrics: how much HTTP readers cost). */
  transcoded = 0;

  /** @param quality JPEG quality for JPEG made from PNG frames (the server's `--quality`). */
  constructor(quality = 80) {
    this.#quality = quality;
  }

  /** The frame's image as `format`: its own bytes, or one shared transcode. Rejects if sharp fails. */
  get(frame: Pick<FrameMessage, 'format' | 'data'>, format: ImageFormat): Promise<Uint8Array> {
    if (frameFormat(frame) === format) return Promise.resolve(frame.data);
    let entry = this.#cache.get(frame.data);
    if (!entry) this.#cache.set(frame.data, (entry = {}));
    let image = entry[format];
    if (!image) {
      this.transcoded++;
      image = entry[format] = transcode(frame.data, format, this.#quality);
    }
    return image;
  }
}
