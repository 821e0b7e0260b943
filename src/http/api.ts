/**
 * The HTTP side of the same data the WebSocket carries, for tools that can't speak WebSocket:
 *
 *   GET /api/health          liveness and a summary
 *   GET /api/envs            every env's latest frame number, seq and timestamp
 *   GET /api/state           latest game state of every env, as JSON
 *   GET /api/frame.jpg?env=N latest frame of env N as JPEG (transcoded when the stream is PNG)
 *   GET /api/frame.png?env=N latest frame of env N as PNG (transcoded when the stream is JPEG)
 *   GET /stream.mjpg?env=N   MJPEG stream of env N (latest frame wins; JPEG whatever --format)
 *   GET /metrics             Prometheus text format
 *   GET /api/progress        the latest training numbers (204 before any)
 *   POST /api/progress       training numbers as a JSON object of numbers, sent on to every
 *                            viewer (with `Authorization: Bearer TOKEN` when a control token is set;
 *                            per address at most the socket policy's rate, else 429)
 *
 * Returns false for paths it does not own, so the static files handler gets them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../protocol/constants.js';
import type { LatestFrames } from '../store/latest-frames.js';
import { FrameImages, IMAGE_MIME, type ImageFormat } from './frame-image.js';
import type { Metrics } from './metrics.js';
import { MjpegStreams, type MjpegOptions } from './mjpeg.js';
import { isOriginAllowed } from '../server/origin.js';
import { MAX_PROGRESS_NAME, MAX_PROGRESS_VALUES, progressValues } from '../protocol/fields.js';
import { AddressRates } from '../server/address-rate.js';
import { SOCKET_POLICY } from '../server/socket-policy.js';

export interface ApiContext {
  latest: LatestFrames;
  /** Newer state than the latest frame carries (published envs send state without pixels). */
  states?(): Array<{ env: number; frame: number; ts: number; state: Record<string, number> }>;
  metrics: Metrics;
  health(): Record<string, unknown>;
  /** Publishes training numbers to every viewer. */
  publishProgress?(values: Record<string, number>, source: string): void;
  /** The latest training numbers, for GET /api/progress. */
  lastProgress?(): { ts: number; source?: string; values: Record<string, number> } | undefined;
  /** Checks a bearer token; undefined when no control token is configured. */
  /** @param from the peer's address (failed auths are counted per address; a refused one throws GbsError) */
  checkToken?(token: string, from?: string): boolean;
  /** Without a token: whether anyone may publish progress (`--control open`). */
  openControl?: boolean;
  /** Browser origins allowed besides the page's own (`--allow-origin`). */
  allowOrigins?: readonly string[];
  /** Envs 0…envCount-1 exist; `?env=` of another is 404. Default: envs that published. */
  envCount?: number | (() => number);
  /** MJPEG reader cap and liveness limits. */
  mjpeg?: Partial<MjpegOptions>;
  /** Transcodes frames for HTTP readers (give it the server's `--quality`); default quality 80. */
  images?: FrameImages;
  /** Monotonic clock (ms) of the per-address progress rate; tests inject one. */
  now?: () => number;
}

export const MAX_PROGRESS_BODY = SOCKET_POLICY.progress.maxMessageBytes;
export { MAX_PROGRESS_VALUES };

/** Validates a progress body: a flat JSON object of 1–64 finite numbers (the `progress` record's values). */
export function parseProgress(text: string): Record<string, number> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'body is not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'body must be a JSON object of numbers';
  const parsed = progressValues.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  return issue.path.length > 0 ? `value ${JSON.stringify(String(issue.path[0]).slice(0, 64))} must be a finite number (name of 1–${MAX_PROGRESS_NAME} characters)` : `${issue.message}, got ${Object.keys(value).length}`;
}

function postProgress(ctx: ApiContext, rates: AddressRates, req: IncomingMessage, res: ServerResponse): void {
  if (!ctx.publishProgress) {
    json(res, 404, { error: 'GBS_ERR_UNSUPPORTED', message: 'progress is not supported by this server' });
    return;
  }
  // Every post is charged, before the token check too: a flood of guesses is a flood.
  const address = req.socket.remoteAddress ?? 'unknown';
  if (!rates.take(address)) {
    const text = JSON.stringify({ error: ErrorCode.RateLimited, message: `more than ${rates.perSecond} progress posts/s from ${address}; this one was dropped (viewers get at most 10 a second anyway)` });
    res.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache', 'retry-after': '1', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    req.resume();
    return;
  }
  // A web page on another site must not be able to push numbers to every viewer.
  if (!isOriginAllowed(req.headers.origin, req.headers.host, ctx.allowOrigins ?? [])) {
    json(res, 403, { error: 'GBS_ERR_CONTROL_DENIED', message: 'cross-origin progress refused (see --allow-origin)' });
    return;
  }
  if (ctx.checkToken) {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    let ok: boolean;
    try {
      ok = token !== undefined && ctx.checkToken(token, req.socket.remoteAddress);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      json(res, 429, { error: e.code ?? ErrorCode.Internal, message: e.message ?? 'refused' });
      return;
    }
    if (!ok) {
      json(res, 401, { error: 'GBS_ERR_CONTROL_DENIED', message: 'send Authorization: Bearer <control token>' });
      return;
    }
  } else if (!ctx.openControl) {
    json(res, 403, { error: 'GBS_ERR_CONTROL_DENIED', message: 'publishing progress needs --control-token TOKEN (then Authorization: Bearer TOKEN) or --control open' });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_PROGRESS_BODY) {
      json(res, 413, { error: 'GBS_ERR_BAD_LENGTH', message: `body over ${MAX_PROGRESS_BODY} bytes` });
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (res.headersSent) return;
    const values = parseProgress(Buffer.concat(chunks).toString('utf8'));
    if (typeof values === 'string') {
      json(res, 400, { error: 'GBS_ERR_BAD_FIELD', message: values });
      return;
    }
    ctx.publishProgress!(values, 'http');
    json(res, 202, { ok: true });
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Parses `?env=N` (default 0). Returns undefined after answering 400 for a bad value or 404 for
 * an env this server does not run.
 */
function envParam(ctx: ApiContext, url: URL, res: ServerResponse): number | undefined {
  const raw = url.searchParams.get('env') ?? '0';
  const env = Number(raw);
  if (!/^\d{1,6}$/.test(raw) || !Number.isInteger(env)) {
    json(res, 400, { error: 'GBS_ERR_BAD_FIELD', message: `env must be a non-negative integer, got ${JSON.stringify(raw.slice(0, 20))}` });
    return undefined;
  }
  const count = typeof ctx.envCount === 'function' ? ctx.envCount() : ctx.envCount;
  const exists = count !== undefined ? env < count : ctx.latest.get(env) !== undefined;
  if (!exists) {
    const which = count !== undefined ? `this server runs envs 0–${count - 1}` : 'it has published no frame';
    json(res, 404, { error: ErrorCode.NoSuchEnv, message: `no env ${env}; ${which}` });
    return undefined;
  }
  return env;
}

/** The latest frame of `?env=N` as one image in `format`, with its seq and frame number in headers. */
function sendFrameImage(ctx: ApiContext, images: FrameImages, req: IncomingMessage, res: ServerResponse, url: URL, format: ImageFormat): void {
  const env = envParam(ctx, url, res);
  if (env === undefined) return;
  const frame = ctx.latest.get(env);
  if (!frame) {
    json(res, 404, { error: 'GBS_ERR_NO_FRAME', message: `no frame published yet for env ${env}` });
    return;
  }
  images.get(frame, format).then(
    (data) => {
      res.writeHead(200, { 'content-type': IMAGE_MIME[format], 'content-length': data.byteLength, 'cache-control': 'no-cache', 'x-gbstream-seq': String(frame.seq), 'x-gbstream-frame': String(frame.frame) });
      res.end(req.method === 'HEAD' ? undefined : data);
    },
    (err: unknown) => json(res, 500, { error: 'GBS_ERR_ENCODE_FAILED', message: `cannot transcode the frame to ${format}: ${(err as Error).message}` }),
  );
}

export function createApiHandler(ctx: ApiContext) {
  const images = ctx.images ?? new FrameImages();
  const mjpeg = new MjpegStreams(ctx.latest, ctx.mjpeg, images);
  const progressRates = new AddressRates('progress', ctx.now);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (!path.startsWith('/api/') && path !== '/stream.mjpg' && path !== '/metrics') return false;
    if (path === '/api/progress' && req.method === 'POST') {
      postProgress(ctx, progressRates, req, res);
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    switch (path) {
      case '/api/health':
        json(res, 200, { ok: true, ...ctx.health() });
        return true;
      case '/api/envs':
        json(res, 200, ctx.latest.envs().map((env) => {
          const f = ctx.latest.get(env)!;
          return { env, seq: f.seq, frame: f.frame, ts: f.ts, width: f.width, height: f.height };
        }));
        return true;
      case '/api/state': {
        const out: Record<string, { seq?: number; frame: number; ts: number; state: Record<string, number> }> = Object.fromEntries(ctx.latest.envs().map((env) => {
          const f = ctx.latest.get(env)!;
          return [String(env), { seq: f.seq, frame: f.frame, ts: f.ts, state: f.state }];
        }));
        for (const s of ctx.states?.() ?? []) {
          const known = out[String(s.env)];
          if (!known || s.ts > known.ts) out[String(s.env)] = { seq: known?.seq, frame: s.frame, ts: s.ts, state: s.state };
        }
        json(res, 200, out);
        return true;
      }
      case '/api/progress': {
        const last = ctx.lastProgress?.();
        if (!last) res.writeHead(204).end();
        else json(res, 200, { ts: last.ts, source: last.source, values: last.values });
        return true;
      }
      case '/api/frame.jpg':
      case '/api/frame.png':
        sendFrameImage(ctx, images, req, res, url, path === '/api/frame.png' ? 'png' : 'jpeg');
        return true;
      case '/stream.mjpg': {
        const env = envParam(ctx, url, res);
        if (env === undefined) return true;
        mjpeg.serve(res, env);
        return true;
      }
      case '/metrics':
        ctx.metrics.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType });
            res.end(text);
          },
          () => res.writeHead(500).end('metrics failed'),
        );
        return true;
      default:
        json(res, 404, { error: 'GBS_ERR_NOT_FOUND', message: `no API at ${path}` });
        return true;
    }
  };
}
