/**
 * The composition root of `gbstream hub`: a server with no emulator of its own, whose envs all
 * come from publishers (trainers running their own emulators). Published frames go into the same
 * fan-out a `serve` run uses (latest-frame store, broadcaster, recorder), so viewers, the
 * recorder, replay, the HTTP API, MJPEG and metrics treat them like local envs.
 *
 *   publishers ─► PublisherSide (Hub: sessions, env table, demand) ─► fanOut(latest-frame store, broadcaster, recorder)
 *   server (viewers at /ws; publishers at /ws with the gbstream.publish.v1 subprotocol)
 *   HTTP API (/api/*, /metrics, /stream.mjpg) ◄─ latest-frame store, metrics
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EncoderKind } from '../encode/select-encoder.js';
import type { Metrics } from '../http/metrics.js';
import type { Hub } from '../hub/hub.js';
import type { Logger } from '../log.js';
import { PROTOCOL_VERSION, SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import type { FrameFormat, HelloMessage, RomInfo } from '../protocol/messages.js';
import { fanOut, type RecordSink } from '../protocol/sink.js';
import type { Recorder } from '../record/recorder.js';
import type { RecordSpec } from '../record/start-recorder.js';
import type { ControlPolicy } from '../server/control.js';
import { ProgressCoalescer } from '../server/progress.js';
import type { StreamServer } from '../server/server.js';
import { LatestFrames } from '../store/latest-frames.js';
import { VERSION } from '../version.js';
import { createHttpSide } from './http-side.js';
import { PublisherSide } from './publishers.js';
import { loadMemoryMap } from '../state/memory-map.js';
import { createMapRoutes } from '../http/map-routes.js';
import { loadRomFile } from '../rom/load.js';
import { startMap } from './map.js';
import { startRecording, startSite } from './site.js';

/** What `hello.rom` says on a hub: there is no ROM of its own. */
export const HUB_ROM: RomInfo = { title: 'gbstream hub', cgb: 'dmg', cartridgeType: 0, cartridgeName: 'none (published envs)', size: 0, sha1: '', headerChecksumOk: true };

export interface HubServeOptions {
  port: number;
  host: string;
  /** Frames per second asked of publishers for watched envs (and by the recorder). */
  fps: number;
  /** JPEG quality for raw frames. */
  quality: number;
  encoder?: EncoderKind;
  /** Image format raw frames are encoded to; default jpeg. */
  format?: FrameFormat;
  /** State rate asked of publishers for envs nobody watches. */
  stateFps?: number;
  /** Published envs held at most (live or gone). */
  maxEnvs?: number;
  log: Logger;
  webRoot?: string;
  control?: ControlPolicy;
  allowOrigins?: readonly string[];
  record?: RecordSpec;
  /** Publisher heartbeat: a publisher that misses a pong this long is cut off (tests shorten it). */
  heartbeatMs?: number;
  /**
   * A memory map whose `position` declaration names the fields publishers send in their state
   * (`--map FILE`): their envs then appear on the Map view.
   */
  map?: string;
  /** A Pokémon Red/Blue/Yellow ROM to draw the Map view's background from (`--map-rom`). */
  mapRom?: string;
  /** Where that background is cached. */
  cacheDir?: string;
}

export interface HubServing {
  server: StreamServer;
  hub: Hub;
  recorder: Recorder | undefined;
  stop(): Promise<void>;
}

export async function startHub(options: HubServeOptions): Promise<HubServing> {
  const { log } = options;
  const control = options.control ?? { mode: 'off' };
  const latest = new LatestFrames();
  const startedAt = Date.now();
  let server: StreamServer | undefined;
  let recorder: Recorder | undefined;
  let metrics: Metrics | undefined;
  let api: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  // Training numbers go out coalesced (at most ~10/s), the latest kept for viewers who join later.
  const progress = new ProgressCoalescer({ publish: (message) => server?.publishControl(message) });
  const publishProgress = (values: Record<string, number>, source: string) => progress.offer(values, source);
  const toViewers: RecordSink = { frame: (record, message) => server?.publishFrame(record, message.env), event: (message) => server?.publishControl(message) };
  const toDisk: RecordSink = { frame: (record, message) => recorder?.frame(record, message), event: (message) => recorder?.event(message) };

  // The Map view: StreamWrapper trainers post positions to /broadcast (on the Kanto layout).
  const map = options.map === undefined ? undefined : await loadMemoryMap(options.map);
  const mapRom = options.mapRom === undefined ? undefined : await loadRomFile(options.mapRom);
  // Publishers send state only while nobody watches: the map reads their latest states.
  let publishedStates: () => ReturnType<PublisherSide['hub']['states']> = () => [];
  const world = await startMap({
    map,
    states: () => publishedStates(),
    host: options.host,
    token: control.mode === 'token' ? control.token : undefined,
    log,
    publish: (message) => server?.publishControl(message),
    record: (message) => recorder?.control(message),
    rom: mapRom && { bytes: mapRom.bytes, sha1: mapRom.info.sha1 },
    cacheDir: options.cacheDir,
  });
  const mapRoutes = createMapRoutes({ positions: () => world.feed.positions, layout: () => world.feed.positions.layout, background: () => world.background });

  const side = new PublisherSide({
    localCount: 0,
    fps: options.fps,
    quality: options.quality,
    encoder: options.encoder ?? 'auto',
    format: options.format,
    stateFps: options.stateFps,
    maxEnvs: options.maxEnvs,
    control,
    log,
    sink: fanOut(latest, toViewers, toDisk),
    latest,
    server: () => server,
    recording: () => recorder !== undefined && !recorder.stats.failed,
    progress: publishProgress,
    observeEncode: (s) => metrics?.observeEncode(s),
    heartbeatMs: options.heartbeatMs,
  });
  publishedStates = () => side.hub.states();

  const encoder = side.encoderName;

  const hello = (): Omit<HelloMessage, 'control'> => ({
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    server: `gbstream ${VERSION}`,
    rom: HUB_ROM,
    envs: side.count,
    fps: options.fps,
    width: SCREEN_WIDTH,
    height: SCREEN_HEIGHT,
    speed: 1,
    map: map?.name ?? null,
    fields: map ? Object.keys(map.fields) : [],
    encoder,
    format: options.format ?? 'jpeg',
    envList: side.envList(),
  });
  const stats = () => {
    const all = side.envStats();
    const avg = (k: 'emuFps' | 'speed') => (all.length ? all.reduce((n, s) => n + s[k], 0) / all.length : 0);
    return { fps: all.reduce((n, s) => n + s.fps, 0), emuFps: avg('emuFps'), speed: avg('speed'), envs: all };
  };

  recorder = await startRecording(options.record, hello, log, (event) => server?.publishControl(event), () => side.close());
  server = await startSite(
    options,
    {
      hello,
      stats,
      control,
      envCount: () => side.count,
      publishers: side.hub,
      onProgress: publishProgress,
      welcome: () => [...(progress.latest ? [progress.latest] : []), ...world.feed.welcome()],
      routes: side.readers.around((req, res) => mapRoutes(req, res) || (api?.(req, res) ?? false)),
      broadcast: world.endpoint,
    },
    async () => {
      world.feed.stop();
      side.close();
      progress.close();
      await recorder?.close();
    },
  );

  const running = server;
  const broadcaster = running.broadcaster;
  ({ metrics, api } = createHttpSide({
    broadcaster,
    latest,
    quality: options.quality,
    control,
    allowOrigins: options.allowOrigins,
    progress,
    publishProgress,
    envStats: () => side.envStats(),
    envCount: () => side.count,
    states: () => side.hub.states(),
    recorder,
    health: () => ({ rom: HUB_ROM.title, format: options.format ?? 'jpeg', envs: side.count, live: side.hub.table.livePublished(), publishers: side.hub.publishers, clients: broadcaster.size, uptimeS: Math.round((Date.now() - startedAt) / 1000), env: side.hub.stats() }),
  }));
  side.start(broadcaster);
  world.feed.start();
  log.info({ fps: options.fps, stateFps: options.stateFps, encoder, control: control.mode }, 'hub waiting for publishers');
  if (recorder) log.info({ file: recorder.stats.files[0] }, 'recording');

  return {
    server: running,
    hub: side.hub,
    recorder,
    async stop() {
      world.feed.stop();
      side.close();
      progress.close();
      await running.close();
      await recorder?.close();
    },
  };
}
