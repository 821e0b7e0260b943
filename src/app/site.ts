/**
 * The site: the one composition root every command runs (`serve`, `hub`, `replay` differ only in
 * their sources). It owns the HTTP server and its WebSocket endpoints, the fan-out of every
 * source's records, the recorder, the Map view, training progress and shutdown — started once,
 * stopped once.
 *
 *   sources (local envs, publishers, /broadcast agents, a recording) ── sink ──►
 *     fanOut(latest-frame store ─► HTTP /api/*, /stream.mjpg; map feed; viewers; recorder)
 *   viewers at /ws ── input, commands ──► the source that owns the env; agents ──► local envs
 *   publishers at /ws (subprotocol), StreamWrappers at /broadcast ──► their source's endpoint
 *   a cluster source sees the whole site (every env, frame, StreamWrapper message) to share it
 *
 * Order: everything that can fail (map, recorder, listening) before any source starts; a failure
 * closes what was made, sources included, and rethrows.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Subscription } from '../hub/demand.js';
import { demandInputs, startStatesFeed, StreamReaders } from '../hub/feeds.js';
import { createMapRoutes } from '../http/map-routes.js';
import type { Metrics } from '../http/metrics.js';
import type { MapLayout } from '../map/layout.js';
import type { Logger } from '../log.js';
import { WEB_ROOT } from '../paths.js';
import type { HelloMessage } from '../protocol/messages.js';
import { fanOut, type RecordSink } from '../protocol/sink.js';
import { ChosenEnvs } from '../record/env-choice.js';
import type { Recorder } from '../record/recorder.js';
import { startRecorder, type RecordMode, type RecordSpec } from '../record/start-recorder.js';
import type { ControlPolicy } from '../server/control.js';
import type { LivenessLimits } from '../server/liveness.js';
import { listenError } from '../server/listen-error.js';
import { ProgressCoalescer } from '../server/progress.js';
import { startServer, type StreamServer } from '../server/server.js';
import type { EnvSource, SiteContext, WholeSite } from '../sources/source.js';
import type { MemoryMap } from '../state/memory-map.js';
import { LatestFrames } from '../store/latest-frames.js';
import { createHttpSide } from './http-side.js';
import { startMap, type MapSetup } from './map.js';
import { commandTo, envHealthOf, envsOf, helloOf, inputTo, slotsOf, statesOf, totalsOf, withSiteEnvs, type SiteHello } from './site-view.js';

export interface SiteOptions {
  host: string;
  port: number;
  /** Also serve /ws's records on this Unix-domain socket (`--socket PATH`). */
  socket?: string;
  log: Logger;
  allowOrigins?: readonly string[];
  webRoot?: string;
  /** What this site runs and how it streams; envs and capabilities are added from the sources. */
  hello(): SiteHello;
  /** In id order: a source with fixed envs first, publishers (numbered after them) later. */
  sources: readonly EnvSource[];
  /** Who may send input and commands, publish, post progress; default nobody. */
  control?: ControlPolicy;
  /** The stream's frames per second (what publishers are asked for at most). */
  fps: number;
  /** JPEG quality of frames transcoded for HTTP readers. */
  quality: number;
  record?: RecordSpec;
  /** What the recording keeps (`--record-mode`): `inputs` leaves frames out; input logs reach it through the sink's `log`. */
  recordMode?: RecordMode;
  /**
   * The Map view. `live`: positions from frames (the memory map's `position`), published states
   * and `/broadcast`; `recorded`: outlines only (a recording carries its `positions` records).
   */
  map: { live: { memoryMap?: MemoryMap; background?: string; rom?: { bytes: Uint8Array; sha1: string }; cacheDir?: string } } | { recorded: MapLayout | undefined; positions?: () => { json(): unknown } };
  /** Tests shorten these. */
  heartbeatMs?: number;
  liveness?: LivenessLimits;
}

export interface Site {
  readonly server: StreamServer;
  readonly latest: LatestFrames;
  readonly recorder: Recorder | undefined;
  readonly progress: ProgressCoalescer;
  hello(): Omit<HelloMessage, 'control'>;
  /** Viewers first, then the sources, the port, the map feed, the recorder. Twice is once. */
  stop(): Promise<void>;
}

/** What `serve`, `hub` and `replay` hand back: the running server, its recorder, and stop. */
export type SiteHandle = Pick<Site, 'server' | 'recorder' | 'stop'>;

export async function startSite(o: SiteOptions): Promise<Site> {
  const { log, sources } = o;
  const control = o.control ?? { mode: 'off' };
  const startedAt = Date.now();
  let server: StreamServer | undefined;
  let recorder: Recorder | undefined;
  let metrics: Metrics | undefined;
  let api: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const closeSources = () => Promise.all(sources.map((s) => s.close()));

  const latest = new LatestFrames();
  const readers = new StreamReaders();
  // Training numbers go to viewers coalesced (≤ ~10/s, latest wins); the latest is sent to
  // viewers who join later and served at GET /api/progress.
  const progress = new ProgressCoalescer({ publish: (message) => server?.publishControl(message) });
  const taps: Array<Parameters<WholeSite['tap']>[0]> = [];
  const publishProgress = (values: Record<string, number>, source: string) => {
    progress.offer(values, source);
    for (const t of taps) t.progress?.(values, source);
  };
  const published = () => sources.flatMap((s) => s.states?.() ?? []);

  let world: MapSetup | undefined;
  let layout: () => MapLayout | undefined = () => undefined;
  let positions: (() => { json(): unknown }) | undefined;
  try {
    if ('live' in o.map) {
      const live = o.map.live;
      world = await startMap({
        map: live.memoryMap,
        states: published,
        publish: (message) => server?.publishControl(message),
        record: (message) => recorder?.control(message),
        background: live.background,
        rom: live.rom,
        cacheDir: live.cacheDir,
        log,
      });
      const feed = world.feed;
      layout = () => feed.positions.layout;
      positions = () => feed.positions;
    } else {
      const recorded = o.map.recorded;
      layout = () => recorded;
      positions = o.map.positions;
    }
  } catch (err) {
    await closeSources();
    throw err;
  }
  const mapRoutes = createMapRoutes({ positions, layout, background: () => world?.background });

  const hello = () => helloOf(o.hello(), sources);
  const toMap: RecordSink = { frame: (_record, message) => world?.feed.frame(message), event: () => undefined };
  const toViewers: RecordSink = { frame: (record, message) => server?.publishFrame(record, message.env), event: (message) => server?.publishControl(message) };
  const framesToDisk = o.recordMode !== 'inputs';
  // `--record-envs`: the recording keeps (and wants, as a viewer would) only the chosen envs.
  const chosen = o.record?.envs && new ChosenEnvs(o.record.envs, () => envsOf(sources));
  const toDisk: RecordSink = {
    frame: (record, message) => framesToDisk && (chosen?.has(message.env) ?? true) && recorder?.frame(record, message),
    event: (message) => recorder?.event(message),
    log: (record) => recorder?.log(record),
  };
  const recording = () => recorder !== undefined && !recorder.stats.failed;
  const recordingAll = () => recording() && !chosen;

  if (o.record) {
    try {
      recorder = await startRecorder(o.record, hello, (event) => {
        log.error({ code: event.code }, event.message);
        server?.publishControl(event);
      });
    } catch (err) {
      await closeSources();
      throw err;
    }
  }

  try {
    server = await startServer({
      host: o.host,
      port: o.port,
      socketPath: o.socket,
      log,
      allowOrigins: o.allowOrigins,
      webRoot: o.webRoot ?? WEB_ROOT,
      heartbeatMs: o.heartbeatMs,
      liveness: o.liveness,
      hello,
      stats: () => totalsOf(sources, o.hello().core),
      control,
      onInput: (m) => inputTo(sources, m.env ?? 0, m.buttons, m.frames ?? 1),
      onCommand: (m) => commandTo(sources, m.env ?? 0, m.name, m.args ?? {}),
      agents: sources.find((s) => s.agents)?.agents,
      envCount: () => slotsOf(sources),
      onProgress: publishProgress,
      welcome: () => [...(progress.latest ? [progress.latest] : []), ...(world?.feed.welcome() ?? [])],
      onJoin: () => {
        for (const s of sources) s.viewerJoined?.();
      },
      routes: readers.around((req, res) => mapRoutes(req, res) || (api?.(req, res) ?? false)),
      endpoints: () => sources.flatMap((s) => s.endpoints ?? []),
      // Viewers first (their disconnects release agent envs), then the producers, then the port.
      afterViewersClosed: closeSources,
    });
  } catch (err) {
    progress.close();
    await closeSources();
    await recorder?.close();
    throw listenError(err, o.host, o.port);
  }

  const running = server;
  const broadcaster = running.broadcaster;
  ({ metrics, api } = createHttpSide({
    broadcaster,
    latest,
    quality: o.quality,
    control,
    allowOrigins: o.allowOrigins,
    progress,
    publishProgress,
    envStats: () => sources.flatMap((s) => s.stats()),
    envCount: () => slotsOf(sources),
    states: published,
    recorder,
    health: () => {
      const base = o.hello();
      return {
        site: base.site?.kind,
        rom: base.rom.title,
        core: base.core,
        format: base.format ?? 'jpeg',
        envs: slotsOf(sources),
        clients: broadcaster.size,
        uptimeS: Math.round((Date.now() - startedAt) / 1000),
        sources: sources.map((s) => s.kind),
        ...Object.assign({}, ...sources.map((s) => s.health?.() ?? {})),
        env: envHealthOf(sources),
      };
    },
  }));

  const viewersDemand = demandInputs(o.fps, () => broadcaster, recordingAll, readers);
  // Other nodes of a cluster want frames too (their leases, as subscriptions); so does a recording of chosen envs.
  const elsewhere: Array<() => Iterable<Subscription>> = [];
  if (chosen) elsewhere.push(() => (recording() && framesToDisk ? [{ envs: chosen.ids(), maxFps: undefined }] : []));
  const demand = () => {
    const d = viewersDemand();
    return elsewhere.length ? { ...d, subscribers: [...d.subscribers, ...elsewhere.flatMap((f) => [...f()])] } : d;
  };
  const toTaps: RecordSink = { frame: (record, message) => taps.forEach((t) => t.frame?.(record, message)), event: () => undefined };
  const context: SiteContext = {
    sink: withSiteEnvs(fanOut(latest, toMap, toViewers, toDisk, toTaps), sources),
    control: (message) => running.publishControl(message),
    demand: (streamFps) => ({ ...demand(), streamFps }),
    progress: publishProgress,
    observeEncode: (seconds) => metrics?.observeEncode(seconds),
    wrapper: (message) => {
      world?.feed.wrapper(message);
      for (const t of taps) t.wrapper?.(message);
    },
    log,
    whole: {
      envs: () => envsOf(sources),
      states: () => statesOf(sources, latest),
      hello,
      tap: (tap) => void taps.push(tap),
      input: (env, buttons, frames) => inputTo(sources, env, buttons, frames),
      command: (env, name, args) => commandTo(sources, env, name, args),
      demandFrom: (subscriptions) => void elsewhere.push(subscriptions),
    },
  };
  for (const s of sources) s.start(context);
  const stopStates = startStatesFeed(broadcaster, () => statesOf(sources, latest));
  world?.feed.start();
  if (recorder) log.info({ file: recorder.stats.files[0] }, 'recording');

  let stopping: Promise<void> | undefined;
  return {
    server: running,
    latest,
    recorder,
    progress,
    hello,
    stop: () =>
      (stopping ??= (async () => {
        // Viewers, then the sources (see afterViewersClosed above), then the map and the disk.
        progress.close();
        stopStates();
        await running.close();
        world?.feed.stop();
        await recorder?.close();
      })()),
  };
}
