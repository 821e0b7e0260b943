/**
 * `/stream.mjpg?env=N`: multipart/x-mixed-replace, one JPEG part per published frame (JPEG
 * whatever the stream's `--format`: MJPEG readers know no other; a PNG stream's frames are
 * transcoded for these readers only, once per frame), with the WebSocket's rules for slow readers: latest frame wins (a part is written only when the response
 * has drained; otherwise that frame is skipped for this reader), and the same liveness limits — a
 * reader that has drained nothing for `stallMs` while a part is pending, or whose queue passed
 * `byteCap`, is let go. Readers are capped (`maxReaders`): one more gets 503 with Retry-After.
 */
import { ErrorCode } from '../protocol/constants.js';
import { DEFAULT_LIVENESS, livenessVerdict, type LivenessLimits } from '../server/liveness.js';
import type { FrameMessage } from '../protocol/messages.js';
import type { LatestFrames } from '../store/latest-frames.js';
import { FrameImages, frameFormat } from './frame-image.js';

export const MJPEG_BOUNDARY = 'gbstreamframe';
/** Concurrent MJPEG readers per server: each is an open socket fed every frame of its env. */
export const DEFAULT_MJPEG_MAX_READERS = 16;

export function mjpegPart(jpeg: Uint8Array): Buffer {
  const head = `--${MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.byteLength}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), jpeg, Buffer.from('\r\n')]);
}

/** The part of a ServerResponse a reader uses; tests pass one whose socket never drains. */
export interface MjpegResponse {
  writeHead(status: number, headers: Record<string, string | number>): unknown;
  flushHeaders(): void;
  write(chunk: Uint8Array): boolean;
  end(body?: string): unknown;
  destroy(): unknown;
  readonly writableLength: number;
  once(event: 'drain', listener: () => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

export interface MjpegOptions extends LivenessLimits {
  maxReaders: number;
  /** Monotonic clock, ms. */
  now?: () => number;
}

interface Reader {
  res: MjpegResponse;
  draining: boolean;
  lastDrainAt: number;
  skipped: number;
}

export class MjpegStreams {
  readonly #latest: LatestFrames;
  readonly #o: MjpegOptions;
  readonly #now: () => number;
  readonly #readers = new Set<Reader>();
  readonly #images: FrameImages;
  #timer: NodeJS.Timeout | undefined;

  /** @param images transcodes PNG frames to JPEG, shared with /api/frame.jpg (one transcode a frame). */
  constructor(latest: LatestFrames, options: Partial<MjpegOptions> = {}, images = new FrameImages()) {
    this.#latest = latest;
    this.#images = images;
    this.#o = { ...DEFAULT_LIVENESS, maxReaders: DEFAULT_MJPEG_MAX_READERS, ...options };
    this.#now = options.now ?? (() => performance.now());
  }

  get size(): number {
    return this.#readers.size;
  }

  /** Streams frames of `env` to `res` until it goes away; false (after a 503) when full. */
  serve(res: MjpegResponse, env: number): boolean {
    if (this.#readers.size >= this.#o.maxReaders) {
      const body = JSON.stringify({ error: ErrorCode.Busy, message: `${this.#o.maxReaders} MJPEG readers already; try again later` });
      res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '5', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return false;
    }
    res.writeHead(200, {
      'content-type': `multipart/x-mixed-replace; boundary=${MJPEG_BOUNDARY}`,
      'cache-control': 'no-cache, no-store',
      connection: 'close',
    });
    // Headers now, not with the first part: an env that has not published yet still answers.
    res.flushHeaders();
    const reader: Reader = { res, draining: false, lastDrainAt: this.#now(), skipped: 0 };
    this.#readers.add(reader);
    const write = (jpeg: Uint8Array) => {
      if (reader.draining) {
        reader.skipped++;
        return;
      }
      if (!res.write(mjpegPart(jpeg))) {
        reader.draining = true;
        res.once('drain', () => {
          reader.draining = false;
          reader.lastDrainAt = this.#now();
        });
      } else reader.lastDrainAt = this.#now();
    };
    // Offers are numbered here, not by frame.seq (a looping replay starts seq over): a transcode
    // that finishes after a newer frame was written is dropped, so parts never go back in time.
    let offered = 0;
    let written = 0;
    let closed = false;
    const offer = (frame: FrameMessage) => {
      const n = ++offered;
      if (frameFormat(frame) === 'jpeg') {
        written = n;
        write(frame.data);
        return;
      }
      this.#images.get(frame, 'jpeg').then(
        (jpeg) => {
          if (closed || n <= written) return;
          written = n;
          write(jpeg);
        },
        () => reader.skipped++, // a frame sharp cannot read: the next one supersedes it
      );
    };
    const first = this.#latest.get(env);
    if (first) offer(first);
    const unsubscribe = this.#latest.subscribe((frame) => {
      if (frame.env === env) offer(frame);
    });
    res.on('close', () => {
      closed = true;
      unsubscribe();
      this.#readers.delete(reader);
      if (this.#readers.size === 0) this.#stopTimer();
    });
    this.#startTimer();
    return true;
  }

  /** Lets go of readers past the liveness limits; returns how many. */
  sweep(): number {
    const now = this.#now();
    let let_go = 0;
    for (const reader of [...this.#readers]) {
      const verdict = livenessVerdict({ bufferedAmount: reader.res.writableLength, inFlight: reader.draining, lastDrainAt: reader.lastDrainAt }, now, this.#o);
      if (verdict === undefined) continue;
      this.#readers.delete(reader);
      reader.res.destroy();
      let_go++;
    }
    if (this.#readers.size === 0) this.#stopTimer();
    return let_go;
  }

  /** Ends every reader (server shutdown). */
  close(): void {
    for (const reader of [...this.#readers]) reader.res.destroy();
    this.#readers.clear();
    this.#stopTimer();
  }

  #startTimer(): void {
    if (this.#timer || this.#o.now) return; // an injected clock means the test sweeps
    this.#timer = setInterval(() => this.sweep(), Math.max(100, this.#o.stallMs / 4));
    this.#timer.unref();
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
