/**
 * What every live server (`serve`, `hub`) puts beside its WebSocket: Prometheus metrics read from
 * the broadcaster, the envs and the recorder, and the HTTP API over the latest-frame store.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createApiHandler } from '../http/api.js';
import { FrameImages } from '../http/frame-image.js';
import { createMetrics, type Metrics } from '../http/metrics.js';
import type { StatesMessage } from '../protocol/messages.js';
import type { Recorder } from '../record/recorder.js';
import type { Broadcaster } from '../server/broadcaster.js';
import { tokenChecker, type ControlPolicy } from '../server/control.js';
import type { ProgressCoalescer } from '../server/progress.js';
import type { LatestFrames } from '../store/latest-frames.js';

export interface HttpSideOptions {
  broadcaster: Pick<Broadcaster, 'size' | 'framesSent' | 'framesDropped'>;
  latest: LatestFrames;
  /** JPEG quality for frames transcoded for HTTP readers (a PNG stream's /api/frame.jpg). */
  quality: number;
  control: ControlPolicy;
  allowOrigins?: readonly string[];
  progress: ProgressCoalescer;
  publishProgress(values: Record<string, number>, source: string): void;
  /** Every env's numbers, local and published. */
  envStats(): ReadonlyArray<{ env: number; published: number; emuFps: number }>;
  envCount(): number;
  /** Newer state than the latest frames carry (published envs). */
  states(): StatesMessage['envs'];
  recorder: Recorder | undefined;
  health(): Record<string, unknown>;
}

export function createHttpSide(o: HttpSideOptions): { metrics: Metrics; api: (req: IncomingMessage, res: ServerResponse) => boolean } {
  const { broadcaster, recorder } = o;
  const metrics = createMetrics({
    clients: () => broadcaster.size,
    framesPublished: () => o.envStats().reduce((n, s) => n + s.published, 0),
    framesSent: () => broadcaster.framesSent,
    framesDropped: () => broadcaster.framesDropped,
    emulatorFps: () => o.envStats().map((s) => ({ env: s.env, fps: s.emuFps })),
    recorder: recorder && (() => recorder.stats),
  });
  const api = createApiHandler({
    latest: o.latest,
    states: o.states,
    metrics,
    publishProgress: o.publishProgress,
    lastProgress: () => o.progress.latest,
    checkToken: tokenChecker(o.control),
    openControl: o.control.mode === 'open',
    allowOrigins: o.allowOrigins,
    envCount: o.envCount,
    images: new FrameImages(o.quality),
    health: o.health,
  });
  return { metrics, api };
}
