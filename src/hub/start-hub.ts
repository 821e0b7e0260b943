/**
 * `gbstream hub`: a server with no emulator of its own; every env comes from a publisher. Wires
 * the hub into the same fan-out a `serve` run uses (broadcaster, recorder, latest-frame store,
 * HTTP API and metrics), so published envs reach every reader the way local envs do.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { selectEncoder, type EncoderKind } from '../encode/select-encoder.js';
import { createApiHandler } from '../http/api.js';
import { createMetrics, type Metrics } from '../http/metrics.js';
import type { Logger } from '../log.js';
import { PACKAGE_JSON, WEB_ROOT } from '../paths.js';
import { PROTOCOL_VERSION, SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import type { HelloMessage, ProgressMessage, RomInfo, StatesMessage } from '../protocol/messages.js';
import { encodeRecord } from '../protocol/record.js';
import type { Recorder } from '../record/recorder.js';
import { startRecorder, type RecordSpec } from '../record/start-recorder.js';
import { tokenChecker, type ControlPolicy } from '../server/control.js';
import { LatestFrames } from '../store/latest-frames.js';
import { listenError } from '../server/listen-error.js';
import { startServer, type StreamServer } from '../server/server.js';
import { DEFAULT_STATE_FPS } from './demand.js';
import { Hub } from './hub.js';

/** How often viewers that asked for `states` get them. */
export const STATES_EVERY_MS = 1000;

/** What `hello.rom` says on a hub: there is no ROM of its own. */
export const HUB_ROM: RomInfo = { title: 'gbstream hub', cgb: 'dmg', cartridgeType: 0, cartridgeName: 'none (published envs)', size: 0, sha1: '', headerChecksumOk: true };

export interface HubServeOptions {
  port: number;
  host: string;
  /** Frames per second asked of publishers for watched envs (and the recorder). */
  fps: number;
  quality: number;
  encoder?: EncoderKind;
  /** State rate asked of publishers for envs nobody watches. */
  stateFps?: number;
  maxEnvs?: number;
  log: Logger;
  webRoot?: string;
  control?: ControlPolicy;
  allowOrigins?: readonly string[];
  record?: RecordSpec;
}

export interface HubServing {
  server: StreamServer;
  hub: Hub;
  recorder: Recorder | undefined;
  stop(): Promise<void>;
}

const VERSION = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;

export async function startHub(options: HubServeOptions): Promise<HubServing> {
  const { log } = options;
  const control = options.control ?? { mode: 'off' };
  const encoder = selectEncoder(options.encoder ?? 'auto', { quality: options.quality }, (msg) => log.warn(msg));
  const latest = new LatestFrames();
  const startedAt = Date.now();
  let server: StreamServer | undefined;
  let recorder: Recorder | undefined;
  let metrics: Metrics | undefined;
  let api: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  let lastProgress: ProgressMessage | undefined;
  const publishProgress = (values: Record<string, number>, source: string) => {
    lastProgress = { type: 'progress', ts: Date.now(), source, values };
    server?.publishControl(lastProgress);
  };
  // MJPEG readers want their env's frames like a viewer does.
  const streamed = new Map<number, number>();

  const hub = new Hub({
    local: [],
    encoder,
    log,
    openControl: control.mode === 'open',
    checkToken: tokenChecker(control),
    stateFps: options.stateFps ?? DEFAULT_STATE_FPS,
    maxPublishedEnvs: options.maxEnvs,
    progress: publishProgress,
    observeEncode: (s) => metrics?.observeEncode(s),
    sink: {
      frame: (record, message) => {
        latest.set(message);
        server?.publishFrame(record, message.env);
        recorder?.frame(record, message);
      },
      event: (message) => {
        server?.publishControl(message);
        recorder?.event(message);
      },
    },
    demandInputs: () => ({
      streamFps: options.fps,
      subscribers: server ? server.broadcaster.clients() : [],
      recording: recorder !== undefined && !recorder.stats.failed,
      streamed: new Set(streamed.keys()),
    }),
  });

  const hello = (): Omit<HelloMessage, 'control'> => ({
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    server: `gbstream ${VERSION}`,
    rom: HUB_ROM,
    envs: hub.table.count,
    fps: options.fps,
    width: SCREEN_WIDTH,
    height: SCREEN_HEIGHT,
    speed: 1,
    map: null,
    fields: [],
    encoder: encoder.name,
    envList: hub.table.list(),
  });
  const stats = () => {
    const all = hub.stats();
    const avg = (k: 'emuFps' | 'speed') => (all.length ? all.reduce((n, s) => n + s[k], 0) / all.length : 0);
    return { fps: all.reduce((n, s) => n + s.fps, 0), emuFps: avg('emuFps'), speed: avg('speed'), envs: all.map(({ env, fps, emuFps, speed }) => ({ env, fps, emuFps, speed })) };
  };

  try {
    recorder = options.record
      ? await startRecorder(options.record, hello(), (event) => {
          log.error({ code: event.code }, event.message);
          server?.publishControl(event);
        })
      : undefined;
    server = await startServer({
      host: options.host,
      port: options.port,
      webRoot: options.webRoot ?? WEB_ROOT,
      log,
      hello,
      stats,
      control,
      allowOrigins: options.allowOrigins,
      envCount: () => hub.table.count,
      publishers: hub,
      onProgress: publishProgress,
      welcome: () => (lastProgress ? [lastProgress] : []),
      routes: (req, res) => routeWithDemand(req, res, streamed, api),
    });
  } catch (err) {
    hub.close();
    await recorder?.close();
    throw listenError(err, options.host, options.port);
  }

  const running = server;
  const broadcaster = running.broadcaster;
  const sum = (pick: (c: { sent: number; dropped: number }) => number) => [...broadcaster.clients()].reduce((n, c) => n + pick(c), 0);
  metrics = createMetrics({
    clients: () => broadcaster.size,
    framesPublished: () => hub.stats().reduce((n, s) => n + s.published, 0),
    framesSent: () => sum((c) => c.sent),
    framesDropped: () => sum((c) => c.dropped),
    emulatorFps: () => hub.stats().map((s) => ({ env: s.env, fps: s.emuFps })),
  });
  api = createApiHandler({
    latest,
    metrics,
    publishProgress,
    lastProgress: () => lastProgress,
    checkToken: tokenChecker(control),
    openControl: control.mode === 'open',
    allowOrigins: options.allowOrigins,
    health: () => ({ rom: HUB_ROM.title, envs: hub.table.count, live: hub.table.livePublished(), publishers: hub.publishers, clients: broadcaster.size, uptimeS: Math.round((Date.now() - startedAt) / 1000), env: hub.stats() }),
  });
  // Viewers that sort or follow envs they get no frames of ask for every env's state.
  const statesTimer = setInterval(() => {
    const wanting = [...broadcaster.clients()].filter((c) => c.states);
    if (wanting.length === 0) return;
    const record = encodeRecord({ type: 'states', ts: Date.now(), envs: hub.states() } satisfies StatesMessage);
    for (const client of wanting) broadcaster.sendControl(client, record);
  }, STATES_EVERY_MS);
  statesTimer.unref();
  log.info({ fps: options.fps, stateFps: options.stateFps ?? DEFAULT_STATE_FPS, encoder: encoder.name, control: control.mode }, 'hub waiting for publishers');
  if (recorder) log.info({ file: recorder.stats.files[0] }, 'recording');

  return {
    server: running,
    hub,
    recorder,
    async stop() {
      clearInterval(statesTimer);
      hub.close();
      await running.close();
      await recorder?.close();
    },
  };
}

/** Counts MJPEG readers per env (they add to demand), then lets the API answer. */
function routeWithDemand(req: IncomingMessage, res: ServerResponse, streamed: Map<number, number>, api: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined): boolean {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/stream.mjpg') {
    const env = Number(url.searchParams.get('env') ?? '0');
    if (Number.isInteger(env) && env >= 0) {
      streamed.set(env, (streamed.get(env) ?? 0) + 1);
      res.on('close', () => {
        const n = (streamed.get(env) ?? 1) - 1;
        if (n <= 0) streamed.delete(env);
        else streamed.set(env, n);
      });
    }
  }
  return api?.(req, res) ?? false;
}
