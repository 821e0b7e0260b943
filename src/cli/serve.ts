/**
 * `gbstream serve`: load a ROM, run it, stream it. Returns a handle so tests and the CLI share
 * one code path; the CLI adds signals and exit codes.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config-error.js';
import type { Speed } from '../emulator/pacer.js';
import { ServerboyEmulator } from '../emulator/serverboy.js';
import { selectEncoder, type EncoderKind } from '../encode/select-encoder.js';
import type { Logger } from '../log.js';
import { idlePolicy, type Policy } from '../policy/policy.js';
import { randomPolicy } from '../policy/random.js';
import { loadScriptPolicy } from '../policy/script.js';
import { Pipeline } from '../pipeline.js';
import { PROTOCOL_VERSION, SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import { DEMO_ROM_PATH, MAPS_DIR, PACKAGE_JSON, WEB_ROOT } from '../paths.js';
import { loadRomFile } from '../rom/load.js';
import { startServer, type StreamServer } from '../server/server.js';
import { tokenChecker, type ControlPolicy } from '../server/control.js';
import { findMapForTitle, loadMemoryMap, type MemoryMap } from '../state/memory-map.js';
import { MAX_SPEED, type PolicySpec } from './options.js';
import { GbsError } from '../protocol/errors.js';
import { ErrorCode } from '../protocol/constants.js';
import type { HelloMessage } from '../protocol/messages.js';
import type { Recorder } from '../record/recorder.js';
import { startRecorder, type RecordSpec } from '../record/start-recorder.js';
import { AgentHost } from '../agent/agent-host.js';
import { createApiHandler } from '../http/api.js';
import { createMetrics, type Metrics } from '../http/metrics.js';
import { LatestFrames } from '../server/latest-frames.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

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
  /** JPEG encoder: native libjpeg-turbo addon, sharp, or auto (native when it built). */
  encoder?: EncoderKind;
  log: Logger;
  webRoot?: string;
  /** Who may send input; default nobody. */
  control?: ControlPolicy;
  /** Extra browser origins allowed to connect. */
  allowOrigins?: readonly string[];
  /** Record every published record to disk (`--record FILE` / `--record-dir DIR`). */
  record?: RecordSpec;
}

export interface Serving {
  server: StreamServer;
  pipeline: Pipeline;
  map: MemoryMap | undefined;
  title: string;
  recorder: Recorder | undefined;
  stop(): Promise<void>;
}

export const VERSION: string = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;

async function makePolicy(spec: PolicySpec, seed: number): Promise<Policy> {
  switch (spec.kind) {
    case 'idle':
      return idlePolicy;
    case 'random':
      return randomPolicy(seed);
    case 'script':
      return loadScriptPolicy(spec.file);
  }
}

/** Emulator commands a controlling client may send. @throws GbsError for unknown names or args. */
export function runCommand(pipeline: Pipeline, name: string, args: Record<string, unknown>): void {
  switch (name) {
    case 'reset':
      pipeline.reset();
      return;
    case 'pause':
      pipeline.pause();
      return;
    case 'resume':
      pipeline.resume();
      return;
    case 'speed': {
      const value = args['value'];
      if (value === 'max' || (typeof value === 'number' && value > 0 && value <= MAX_SPEED)) {
        pipeline.setSpeed(value);
        return;
      }
      throw new GbsError(ErrorCode.BadField, `speed needs args.value: a number above 0 and at most ${MAX_SPEED}, or "max"; got ${JSON.stringify(value)}`);
    }
    default:
      throw new GbsError(ErrorCode.Unsupported, `unknown command ${JSON.stringify(name.slice(0, 32))}; commands: reset, pause, resume, speed`);
  }
}

export async function serve(options: ServeOptions): Promise<Serving> {
  const { log } = options;
  const rom = await loadRomFile(options.rom ?? DEMO_ROM_PATH, { force: options.force });
  if (!rom.info.headerChecksumOk) log.warn({ rom: rom.path }, 'header checksum is wrong; running anyway (--force)');
  const map = options.map ? await loadMemoryMap(options.map) : await findMapForTitle(MAPS_DIR, rom.info.title);
  const policy = await makePolicy(options.policy, options.seed);
  const emulator = new ServerboyEmulator(rom.bytes, { sound: options.sound });
  const encoder = selectEncoder(options.encoder ?? 'auto', { quality: options.quality }, (msg) => log.warn(msg));
  const fields = map ? Object.keys(map.fields) : [];

  const hello: Omit<HelloMessage, 'control'> = {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    server: `gbstream ${VERSION}`,
    rom: rom.info,
    envs: 1,
    fps: options.fps,
    width: SCREEN_WIDTH,
    height: SCREEN_HEIGHT,
    speed: options.speed,
    map: map?.name ?? null,
    fields,
    encoder: encoder.name,
  };

  let server: StreamServer | undefined;
  let metrics: Metrics | undefined;
  let api: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const latest = new LatestFrames();
  const startedAt = Date.now();
  // The recorder gets the same records as the broadcaster; its failures reach viewers as events.
  const recorder = options.record
    ? await startRecorder(options.record, hello, (event) => {
        log.error({ code: event.code }, event.message);
        server?.publishControl(event);
      })
    : undefined;
  const pipeline = new Pipeline({
    emulator,
    encoder,
    policy,
    map,
    fps: options.fps,
    speed: options.speed,
    log,
    observeEncode: (seconds) => metrics?.observeEncode(seconds),
    sink: {
      frame: (record, message) => {
        latest.set(message);
        server?.publishFrame(record);
        recorder?.frame(record, message);
      },
      event: (message) => {
        server?.publishControl(message);
        recorder?.event(message);
      },
    },
  });

  try {
    server = await startServer({
      host: options.host,
      port: options.port,
      webRoot: options.webRoot ?? WEB_ROOT,
      log,
      hello: () => hello,
      stats: () => pipeline.stats,
      control: options.control,
      allowOrigins: options.allowOrigins,
      onInput: (message) => pipeline.input(message.buttons, message.frames ?? 1),
      onCommand: (message) => runCommand(pipeline, message.name, message.args ?? {}),
      agents: new AgentHost([pipeline]),
      envCount: 1,
      onProgress: (values, source) => publishProgress(values, source),
      routes: (req, res) => api?.(req, res) ?? false,
    });
  } catch (err) {
    await recorder?.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new ConfigError('GBS_ERR_PORT_IN_USE', `port ${options.port} on ${options.host} is already in use; pick another with --port (0 picks a free one)`);
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
      throw new ConfigError('GBS_ERR_LISTEN', `cannot listen on ${options.host}:${options.port} (${code})`);
    }
    throw err;
  }
  const running = server;
  const broadcaster = server.broadcaster;
  const publishProgress = (values: Record<string, number>, source: string) => running.publishControl({ type: 'progress', ts: Date.now(), source, values });
  const sum = (pick: (c: { sent: number; dropped: number }) => number) => [...broadcaster.clients()].reduce((n, c) => n + pick(c), 0);
  metrics = createMetrics({
    clients: () => broadcaster.size,
    framesPublished: () => pipeline.stats.published,
    framesSent: () => sum((c) => c.sent),
    framesDropped: () => sum((c) => c.dropped),
    emulatorFps: () => [{ env: 0, fps: pipeline.stats.emuFps }],
  });
  api = createApiHandler({
    latest,
    metrics,
    publishProgress,
    checkToken: tokenChecker(options.control ?? { mode: 'off' }),
    health: () => ({ rom: rom.info.title, envs: 1, clients: broadcaster.size, uptimeS: Math.round((Date.now() - startedAt) / 1000), emuFps: pipeline.stats.emuFps, paused: pipeline.paused }),
  });
  pipeline.start();
  log.info(
    { rom: rom.info.title, sha1: rom.info.sha1, cgb: emulator.cgb, map: map?.name ?? null, policy: policy.name, fps: options.fps, speed: options.speed, encoder: encoder.name },
    'streaming',
  );
  if (recorder) log.info({ file: recorder.stats.files[0] }, 'recording');

  return {
    server: running,
    pipeline,
    map,
    title: rom.info.title,
    recorder,
    async stop() {
      pipeline.stop();
      await recorder?.close();
      await running.close();
    },
  };
}
