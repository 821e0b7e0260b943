#!/usr/bin/env node
/**
 * The `gbstream` command. Bad configuration ends in one clear line and a non-zero exit, never a
 * stack trace.
 */
import { benchCommand } from './bench.js';
import { exitOnSignals } from './shutdown.js';
import { Command, Option } from 'commander';
import { ConfigError } from '../config-error.js';
import { createLogger, LOG_FORMATS } from '../log.js';
import { isAllInterfaces, parseFps, parseHost, parsePolicy, parsePort, parseQuality, parseSeed, parseSpeed, parseToken, parseEnvs } from './options.js';
import type { PolicySpec } from '../policy/spec.js';
import type { ControlPolicy } from '../server/control.js';
import { serve, type ServeOptions } from '../app/serve.js';
import { VERSION } from '../version.js';
import type { Speed } from '../emulator/pacer.js';
import { ENCODER_KINDS, FRAME_FORMATS, type EncoderKind } from '../encode/select-encoder.js';
import type { FrameFormat } from '../protocol/messages.js';
import { parseCoreSpec } from '../emulator/core-choice.js';
import { parseCheckpointS, parseRecordMaxMb, parseRecordMaxMin, recordSpec, type RecordFlags } from './record-options.js';
import { RECORD_MODES } from '../record/start-recorder.js';
import { inspectCommand } from './inspect.js';
import { replayCommand } from './replay.js';
import { exportCommand } from './export.js';
import { hubCommand } from './hub.js';
import { renderMapCommand } from './render-map.js';
import { addClusterOptions, clusterOf, type ClusterFlags } from './cluster-options.js';

/** What commander hands the serve action: ServeOptions' own fields plus the flags mapped below. */
interface ServeFlags extends Pick<ServeOptions, 'port' | 'host' | 'socket' | 'fps' | 'quality' | 'speed' | 'map' | 'mapBackground' | 'cacheDir' | 'policy' | 'seed' | 'force' | 'sound' | 'core' | 'recordMode' | 'checkpointS' | 'envThread'>, RecordFlags, ClusterFlags {
  envs: number;
  control: 'off' | 'open';
  controlToken?: string;
  allowOrigin: string[];
  encoder: EncoderKind;
  format: FrameFormat;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function fatal(message: string, exitCode = 1): never {
  process.stderr.write(`gbstream: ${message}\n`);
  process.exit(exitCode);
}

const program = new Command('gbstream')
  .description('Run a Game Boy ROM in-process and stream its video and game state to browsers over WebSocket.')
  .version(VERSION, '-v, --version')
  .showHelpAfterError('(run with --help for usage)')
  .addOption(new Option('--log-format <format>', 'log lines: pretty (one human line each; the default on a terminal) or json (the default otherwise)').choices(LOG_FORMATS).env('GBSTREAM_LOG_FORMAT'))
  // Every command's logger (and every env worker thread, which copies the environment) reads the
  // variable, so the flag is set once here rather than passed down each command.
  .hook('preAction', (root) => {
    const format = root.opts<{ logFormat?: string }>().logFormat;
    if (format !== undefined) process.env['GBSTREAM_LOG_FORMAT'] = format;
  });

addClusterOptions(program
  .command('serve', { isDefault: false }))
  .description('Run a ROM (the built-in demo when none is given) and serve the viewer at / and the stream at /ws.')
  .argument('[rom]', 'path to a .gb/.gbc ROM file; omitted: the embedded gbstream demo')
  .addOption(new Option('--port <n>', 'TCP port; 0 picks a free one').default(8080).argParser(parsePort))
  .addOption(new Option('--host <addr>', 'address to bind').default('127.0.0.1').argParser(parseHost))
  .addOption(new Option('--socket <path>', 'also serve the /ws records (agents, viewers) on this Unix-domain socket, mode 0600, without WebSocket framing: the fast path for a local trainer (unix:///PATH in Python)'))
  .addOption(new Option('--fps <n>', 'frames published per second of wall time, 1–60').default(10).argParser(parseFps))
  .addOption(new Option('--quality <n>', 'JPEG quality 1–100').default(80).argParser(parseQuality))
  .addOption(new Option('--speed <x>', 'emulation speed: 1 = real time (59.73 frames/s), N = N×, max = as fast as possible').default(1 as Speed, '1').argParser(parseSpeed))
  .addOption(new Option('--map <file>', 'memory map JSON (default: a bundled map whose titles match the ROM)'))
  .addOption(new Option('--map-background <file>', 'PNG/JPEG/WebP picture aligned to the map layout, drawn under the Map view (default for Pokémon Red/Blue/Yellow: drawn from the ROM)'))
  .addOption(new Option('--cache-dir <dir>', 'where the map background drawn from the ROM is cached (default $XDG_CACHE_HOME/gbstream or ~/.cache/gbstream)'))
  .addOption(new Option('--policy <p>', 'inputs when nobody controls: idle, random or script:FILE').default({ kind: 'idle' } as PolicySpec, 'idle').argParser(parsePolicy))
  .addOption(new Option('--seed <n>', 'seed for --policy random (env i uses seed + i)').default(1).argParser(parseSeed))
  .addOption(new Option('--envs <n>', 'emulators to run, 1–64; more than one run in worker threads').default(1).argParser(parseEnvs))
  .addOption(new Option('--env-thread', 'run a single env in a worker thread too, so the main thread only serves (a serverboy reset or state load holds a main-thread env 150–400 ms: /api/health and viewers wait)').default(false))
  .addOption(new Option('--force', 'run a ROM whose header checksum is wrong').default(false))
  .addOption(new Option('--control <mode>', 'who may send input: off (view only) or open (every client; local play)').choices(['off', 'open']).default('off'))
  .addOption(new Option('--control-token <token>', 'clients that send this token (auth message) may send input; prefer the environment variable, which ps does not show').env('GBSTREAM_CONTROL_TOKEN').argParser(parseToken))
  .addOption(new Option('--allow-origin <origin>', 'also accept browser connections from this origin, and its host in Host (repeatable; * for any, which also turns off the Host check that guards a loopback server against DNS rebinding)').argParser(collect).default([]))
  .addOption(new Option('--format <f>', 'frame images: jpeg, or png (lossless, indexed: ~1/10 the bytes on Game Boy frames)').choices(FRAME_FORMATS).default('jpeg'))
  .addOption(new Option('--encoder <kind>', 'native (addon), sharp (JPEG only), js (PNG only), or auto: native when it built').choices(ENCODER_KINDS).default('auto'))
  .addOption(new Option('--core <core>', 'emulator core: auto (gambatte when installed, else serverboy), serverboy, gambatte, or a libretro core file').default('auto').argParser(parseCoreSpec))
  .addOption(new Option('--sound', 'emulate sound (off by default: it costs CPU and nobody hears it)').default(false))
  .addOption(new Option('--record <file>', 'record every published record to this .gbrec file').conflicts('recordDir'))
  .addOption(new Option('--record-dir <dir>', 'record to a new file in this directory, named by UTC time and ROM title'))
  .addOption(new Option('--record-max-mb <n>', 'start a new recording file before one passes N MiB').argParser(parseRecordMaxMb))
  .addOption(new Option('--record-max-min <n>', 'start a new recording file every N minutes').argParser(parseRecordMaxMin))
  .addOption(new Option('--record-envs <list>', 'record only these envs: ids (3), ranges (0-15), local, remote (other cluster nodes\' envs) or node:NAME, comma-separated'))
  .addOption(new Option('--record-mode <m>', 'what to record: frames (as published), inputs (every frame of every env, as an input log to re-render), or both').choices(RECORD_MODES).default('frames'))
  .addOption(new Option('--checkpoint-s <n>', 'input log: emulated seconds between checkpoints (seek and desync detection)').default(60).argParser(parseCheckpointS))
  .action(async (rom: string | undefined, flags: ServeFlags) => {
    const log = createLogger();
    const record = recordSpec(flags);
    if (flags.recordMode !== 'frames' && !record) throw new ConfigError('GBS_ERR_RECORD', `--record-mode ${flags.recordMode} needs --record FILE or --record-dir DIR`);
    const control: ControlPolicy = flags.controlToken ? { mode: 'token', token: flags.controlToken } : { mode: flags.control };
    if (isAllInterfaces(flags.host) && control.mode !== 'token') {
      log.warn({ host: flags.host, control: control.mode }, 'listening on all interfaces without --control-token: anyone on your network can watch' + (control.mode === 'open' ? ' and control the emulator' : ''));
    }
    const serving = await serve({ rom, ...flags, allowOrigins: flags.allowOrigin, control, log, record, cluster: clusterOf(flags) });
    const wsUrl = serving.server.url.replace(/^http/, 'ws') + 'ws';
    process.stdout.write(`gbstream: streaming "${serving.title}" — viewer ${serving.server.url} — WebSocket ${wsUrl}${serving.server.socketPath ? ` — socket unix://${serving.server.socketPath}` : ''}\n`);
    exitOnSignals(log, () => serving.stop());
  });

program.addCommand(inspectCommand());
program.addCommand(replayCommand());
program.addCommand(exportCommand());
program.addCommand(hubCommand());
program.addCommand(benchCommand());
program.addCommand(renderMapCommand());

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) fatal(err.message);
  fatal(`unexpected error: ${(err as Error).stack ?? String(err)}`, 70);
});
