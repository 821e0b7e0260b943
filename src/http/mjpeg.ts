/**
 * `/stream.mjpg?env=N`: multipart/x-mixed-replace, one JPEG part per published frame, with the
 * WebSocket's rule for slow readers: latest frame wins. A part is written only when the response
 * has drained; otherwise that frame is skipped for this reader.
 */
import type { ServerResponse } from 'node:http';
import type { LatestFrames } from '../store/latest-frames.js';

export const MJPEG_BOUNDARY = 'gbstreamframe';

export function mjpegPart(jpeg: Uint8Array): Buffer {
  const head = `--${MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.byteLength}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), jpeg, Buffer.from('\r\n')]);
}

/** Streams frames of `env` to `res` until the client goes away. Returns the skip counter. */
export function streamMjpeg(res: ServerResponse, latest: LatestFrames, env: number): { skipped: number } {
  const counters = { skipped: 0 };
  res.writeHead(200, {
    'content-type': `multipart/x-mixed-replace; boundary=${MJPEG_BOUNDARY}`,
    'cache-control': 'no-cache, no-store',
    connection: 'close',
  });
  let draining = false;
  const write = (jpeg: Uint8Array) => {
    if (draining) {
      counters.skipped++;
      return;
    }
    if (!res.write(mjpegPart(jpeg))) {
      draining = true;
      res.once('drain', () => {
        draining = false;
      });
    }
  };
  const first = latest.get(env);
  if (first) write(first.data);
  const unsubscribe = latest.subscribe((frame) => {
    if (frame.env === env) write(frame.data);
  });
  res.on('close', unsubscribe);
  return counters;
}
