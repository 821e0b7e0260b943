/**
 * The composition root of a live run (`gbstream serve`, and the library's `serve()`): from here
 * a reader reaches every stage in one step.
 *
 *   ROM + memory map + core ─► envs (createEnvs: LocalEnv, or WorkerEnvs on a pool of threads)
 *   every env's records ─► fanOut(latest-frame store, server's broadcaster, recorder)
 *   server (WebSocket + viewer files) ◄─ agents (AgentHost), input and commands ─► envs
 *   HTTP API (/api/*, /metrics, /stream.mjpg) ◄─ latest-frame store, metrics
 *   publishers (PublisherSide) ─► the same fan-out, their envs numbered after the local ones
 *
 * Returns a handle so tests and the CLI share one code path; the CLI adds signals and exit codes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AgentHost } from '../agent/agent-host.js';
import { ConfigError } from '../config-error.js';
import { chooseCore } from '../emulator/core-choice.js';
import { checkCore } from '../emulator/create-emulator.js';
import type { Speed } from '../emulator/pacer.js';
import type { EncoderKind } from '../encode/select-encoder.js';
import { createEnvs, MAX_ENVS } from '../envs/create-envs.js';
import type { Env } from '../envs/env.js';
import type { Metrics } from '../http/metrics.js';
import type { Logger } from '../log.js';
import { DEMO_ROM_PATH, MAPS_DIR } from '../paths.js';
import type { PolicySpec } from '../policy/spec.js';
import { ErrorCode, PROTOCOL_VERSION, SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { FrameFormat, HelloMessage } from '../protocol/messages.js';
import { fanOut, type RecordSink } from '../protocol/sink.js';
import type { Recorder } from '../record/recorder.js';
import type { RecordMode, RecordSpec } from '../record/start-recorder.js';
import { loadRomFile } from '../rom/load.js';
import type { ControlPolicy } from '../server/control.js';
import { ProgressCoalescer } from '../server/progress.js';
import type { StreamServer } from '../server/server.js';
import { findMapForTitle, loadMemoryMap, type MemoryMap } from '../state/memory-map.js';
import { LatestFrames } from '../store/latest-frames.js';
import { VERSION } from '../version.js';
import { createHttpSide } from './http-side.js';
import { PublisherSide } from './publishers.js';
import { createMapRoutes } from '../http/map-routes.js';
import { startMap, type MapSetup } from './map.js';
import { startRecording, startSite } from './site.js';

export interface ServeOptions {
  rom?: string;
  port: number;
  host: string;
  fps: number;
  quality: number;
  speed: Speed;
  map?: string;
  policy: PolicySpec;
  seed: number;
  force: boolean;
  sound: boolean;
  /** Encoder: a native addon, sharp (JPEG), js (PNG), or auto (native when it built). */
  encoder?: EncoderKind;
  /** Emulator core: auto (default: gambatte when installed, else serverboy), serverboy, a libretro core name, or a core file. */
  core?: string;
  /** Image format of published frames: jpeg (default) or lossless png. */
  format?: FrameFormat;
  log: Logger;
  webRoot?: string;
  /** Who may send input; default nobody. */
  control?: ControlPolicy;
  /** Extra browser origins allowed to connect. */
  allowOrigins?: readonly string[];
  /** How many emulators (envs) to run; more than one run in worker threads. Default 1. */
  envs?: number;
  /** A picture aligned to the map layout, drawn under the Map view's dots. */
  mapBackground?: string;
  /** Record every published record to disk (`--record FILE` / `--record-dir DIR`). */
  record?: RecordSpec;
  /** What the recording keeps: published frames (default), every env's input log, or both. */
  recordMode?: RecordMode;
  /** Emulated seconds between input-log checkpoints (default 60). */
  checkpointS?: number;
}

export interface Serving {
  server: StreamServer;
  envs: Env[];
  map: MemoryMap | undefined;
  title: string;
  recorder: Recorder | undefined;
  stop(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<Serving> {
  const { log } = options;
  const count = options.envs ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_ENVS) {
    throw new ConfigError('GBS_ERR_ENVS', `Expected \`envs\` to be an integer 1–${MAX_ENVS}, got \`${count}\`.`);
  }
  const rom = await loadRomFile(options.rom ?? DEMO_ROM_PATH, { force: options.force });
  if (!rom.info.headerChecksumOk) log.warn({ rom: rom.path }, 'header checksum is wrong; running anyway (--force)');
  const map = options.map ? await loadMemoryMap(options.map) : await findMapForTitle(MAPS_DIR, rom.info.title);
  const { choice: core, fallback } = chooseCore(options.core ?? 'auto');
  if (fallback !== undefined) log.info(`--core auto: ${fallback}`);
  // One load on this thread first: a core that does not load or refuses the ROM is one clear
  // error before any env or worker starts, and the core's name is known for hello.
  const coreName = await checkCore(rom.bytes, core);

  let server: StreamServer | undefined;
  let recorder: Recorder | undefined;
  let metrics: Metrics | undefined;
  let api: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const latest = new LatestFrames();
  const startedAt = Date.now();
  // Training numbers go to viewers coalesced (≤ ~10/s, latest wins); the latest is sent to
  // viewers who join later and served at GET /api/progress.
  const progress = new ProgressCoalescer({ publish: (message) => server?.publishControl(message) });
  const publishProgress = (values: Record<string, number>, source: string) => progress.offer(values, source);

  // The Map view: positions from frames (when the memory map declares them) and from /broadcast.
  // Published envs may send state only (nobody watching): the map reads their latest states.
  let publishedStates: () => ReturnType<PublisherSide['hub']['states']> = () => [];
  const world: MapSetup = await startMap({
    map,
    states: () => publishedStates(),
    host: options.host,
    token: options.control?.mode === 'token' ? options.control.token : undefined,
    log,
    publish: (message) => server?.publishControl(message),
    record: (message) => recorder?.control(message),
    background: options.mapBackground,
  });
  const mapRoutes = createMapRoutes({ positions: () => world.feed.positions, layout: () => world.feed.positions.layout, background: () => world.background });
  const toMap: RecordSink = { frame: (_record, message) => world.feed.frame(message), event: () => undefined };

  // Every env's output fans out to the HTTP store, the map, viewers and the recorder. The server and the
  // recorder need the envs' encoder name (hello) first, so they are bound once they exist.
  const toViewers: RecordSink = { frame: (record, message) => server?.publishFrame(record, message.env), event: (message) => server?.publishControl(message) };
  const mode = options.record ? (options.recordMode ?? 'frames') : 'frames';
  const toDisk: RecordSink = { frame: (record, message) => mode !== 'inputs' && recorder?.frame(record, message), event: (message) => recorder?.event(message), log: (record) => recorder?.log(record) };
  const { envs, encoder, format, policyName } = await createEnvs({
    count,
    rom: rom.bytes,
    map,
    policy: options.policy,
    seed: options.seed,
    encoder: options.encoder ?? 'auto',
    core,
    format: options.format,
    quality: options.quality,
    fps: options.fps,
    speed: options.speed,
    sound: options.sound,
    log,
    observeEncode: (seconds) => metrics?.observeEncode(seconds),
    output: fanOut(latest, toMap, toViewers, toDisk),
    inputLog: mode === 'frames' ? undefined : { checkpointS: options.checkpointS },
  });
  const control = options.control ?? { mode: 'off' };
  // Trainers elsewhere may publish envs here too (with the control token); see app/hub.ts.
  const publishers = new PublisherSide({
    localCount: count,
    fps: options.fps,
    quality: options.quality,
    encoder: options.encoder ?? 'auto',
    format,
    control,
    log,
    sink: fanOut(latest, toViewers, toDisk),
    latest,
    server: () => server,
    recording: () => recorder !== undefined && !recorder.stats.failed,
    progress: publishProgress,
    observeEncode: (seconds) => metrics?.observeEncode(seconds),
  });
  publishedStates = () => publishers.hub.states();

  const stopEnvs = () => {
    publishers.close();
    return Promise.all(envs.map((e) => e.stop()));
  };

  const fixedHello: Omit<HelloMessage, 'control'> = {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    server: `gbstream ${VERSION}`,
    rom: rom.info,
    envs: count,
    fps: options.fps,
    width: SCREEN_WIDTH,
    height: SCREEN_HEIGHT,
    speed: options.speed,
    map: map?.name ?? null,
    fields: map ? Object.keys(map.fields) : [],
    encoder,
    format,
    core: coreName,
  };
  const hello = (): Omit<HelloMessage, 'control'> => ({ ...fixedHello, envs: publishers.count, envList: publishers.envList() });

  const envAt = (env: number | undefined) => {
    const e = envs[env ?? 0];
    if (!e && publishers.hub.env(env ?? 0)) throw new GbsError(ErrorCode.Unsupported, `env ${env} is published by a trainer elsewhere; it takes no input or commands here`);
    if (!e) throw new GbsError(ErrorCode.NoSuchEnv, `no env ${env}; this server runs envs 0–${count - 1}`);
    return e;
  };
  const envStats = () => [...envs.map((e) => e.stats()), ...publishers.envStats()];
  const totals = () => {
    const all = envStats();
    const sumOf = (k: 'fps' | 'emuFps') => all.reduce((n, s) => n + s[k], 0);
    return { fps: sumOf('fps'), emuFps: sumOf('emuFps') / all.length, speed: all.reduce((n, s) => n + s.speed, 0) / all.length, core: coreName, envs: all };
  };

  // The recorder gets the same records as the broadcaster; its failures reach viewers as events.
  recorder = await startRecording(options.record, hello, log, (event) => server?.publishControl(event), () => stopEnvs());
  server = await startSite(
    options,
    {
      hello,
      stats: totals,
      control: options.control,
      onInput: (message) => envAt(message.env).input(message.buttons, message.frames ?? 1),
      onCommand: (message) => envAt(message.env).command(message.name, message.args ?? {}),
      agents: new AgentHost(envs),
      envCount: () => publishers.count,
      publishers: publishers.hub,
      onProgress: publishProgress,
      welcome: () => [...(progress.latest ? [progress.latest] : []), ...world.feed.welcome()],
      routes: publishers.readers.around((req, res) => mapRoutes(req, res) || (api?.(req, res) ?? false)),
      broadcast: world.endpoint,
    },
    async () => {
      world.feed.stop();
      await stopEnvs();
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
    envStats,
    envCount: () => publishers.count,
    states: () => publishers.hub.states(),
    recorder,
    health: () => ({ rom: rom.info.title, core: coreName, format, envs: publishers.count, clients: broadcaster.size, uptimeS: Math.round((Date.now() - startedAt) / 1000), env: envStats() }),
  }));
  for (const env of envs) env.start();
  publishers.start(broadcaster);
  world.feed.start();
  log.info({ rom: rom.info.title, sha1: rom.info.sha1, envs: count, map: map?.name ?? null, policy: policyName, fps: options.fps, speed: options.speed, encoder, format, core: coreName }, 'streaming');
  if (recorder) log.info({ file: recorder.stats.files[0] }, 'recording');

  return {
    server: running,
    envs,
    map,
    title: rom.info.title,
    recorder,
    async stop() {
      // Viewers first (their disconnects release agent envs), then the emulators, then the disk.
      progress.close();
      await running.close();
      world.feed.stop();
      await stopEnvs();
      await recorder?.close();
    },
  };
}
