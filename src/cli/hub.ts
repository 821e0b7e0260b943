/**
 * `gbstream hub`: serve the viewer, the stream and the HTTP API for envs that publishers send
 * (trainers running their own emulators). Same serving options as `serve`, no ROM.
 */
import { Command, Option } from 'commander';
import { ENCODER_KINDS, FRAME_FORMATS, type EncoderKind } from '../encode/select-encoder.js';
import type { FrameFormat } from '../protocol/messages.js';
import { DEFAULT_STATE_FPS } from '../hub/demand.js';
import { DEFAULT_MAX_PUBLISHED_ENVS } from '../hub/env-table.js';
import { startHub } from '../app/hub.js';
import { createLogger } from '../log.js';
import type { ControlPolicy } from '../server/control.js';
import { isAllInterfaces, parseFps, parseHost, parseMaxEnvs, parsePort, parseQuality, parseToken } from './options.js';
import { parseRecordMaxMb, parseRecordMaxMin, recordSpec, type RecordFlags } from './record-options.js';
import { exitOnSignals } from './shutdown.js';
import { addClusterOptions, clusterOf, type ClusterFlags } from './cluster-options.js';

interface HubFlags extends RecordFlags, ClusterFlags {
  port: number;
  host: string;
  fps: number;
  stateFps: number;
  maxEnvs: number;
  quality: number;
  control: 'off' | 'open';
  controlToken?: string;
  allowOrigin: string[];
  encoder: EncoderKind;
  format: FrameFormat;
  map?: string;
  mapRom?: string;
  cacheDir?: string;
}

export function hubCommand(): Command {
  return addClusterOptions(new Command('hub'))
    .description('Serve envs that publishers send (trainers running their own emulators, e.g. PyBoy with gbstream.Publisher): viewer at /, stream at /ws.')
    .addOption(new Option('--port <n>', 'TCP port; 0 picks a free one').default(8080).argParser(parsePort))
    .addOption(new Option('--host <addr>', 'address to bind').default('127.0.0.1').argParser(parseHost))
    .addOption(new Option('--fps <n>', 'frames per second asked of publishers for watched envs, 1–60').default(10).argParser(parseFps))
    .addOption(new Option('--state-fps <n>', 'state updates per second asked for envs nobody watches, 1–60').default(DEFAULT_STATE_FPS).argParser(parseFps))
    .addOption(new Option('--max-envs <n>', 'published envs this hub holds at most').default(DEFAULT_MAX_PUBLISHED_ENVS).argParser(parseMaxEnvs))
    .addOption(new Option('--quality <n>', 'JPEG quality 1–100 for raw frames').default(80).argParser(parseQuality))
    .addOption(new Option('--control <mode>', 'off: publishers need the token; open: anyone may publish and control').choices(['off', 'open']).default('off'))
    .addOption(new Option('--control-token <token>', 'publishers (and agents) that send this token in `auth` may publish; prefer the environment variable, which ps does not show').env('GBSTREAM_CONTROL_TOKEN').argParser(parseToken))
    .addOption(new Option('--allow-origin <origin>', 'also accept browser WebSocket connections from this origin (repeatable; * for any)').argParser((v: string, prev: string[]) => [...prev, v]).default([]))
    .addOption(new Option('--format <f>', 'image format raw frames are encoded to: jpeg, or png (lossless)').choices(FRAME_FORMATS).default('jpeg'))
    .addOption(new Option('--encoder <kind>', 'encoder for raw frames: native (addon), sharp (JPEG only), js (PNG only), or auto').choices(ENCODER_KINDS).default('auto'))
    .addOption(new Option('--map <file>', "memory map JSON whose `position` names the publishers' state fields (map id, x, y): their envs appear on the Map view"))
    .addOption(new Option('--map-rom <rom>', "your Pokémon Red/Blue/Yellow ROM: the Map view's background is drawn from its map data (never shipped)"))
    .addOption(new Option('--cache-dir <dir>', 'where that background is cached (default $XDG_CACHE_HOME/gbstream or ~/.cache/gbstream)'))
    .addOption(new Option('--record <file>', 'record every published record to this .gbrec file').conflicts('recordDir'))
    .addOption(new Option('--record-dir <dir>', 'record to a new file in this directory'))
    .addOption(new Option('--record-max-mb <n>', 'start a new recording file before one passes N MiB').argParser(parseRecordMaxMb))
    .addOption(new Option('--record-max-min <n>', 'start a new recording file every N minutes').argParser(parseRecordMaxMin))
    .addOption(new Option('--record-envs <list>', 'record only these envs: ids (3), ranges (0-15), local, remote (other cluster nodes\' envs) or node:NAME, comma-separated'))
    .action(async (flags: HubFlags) => {
      const log = createLogger();
      const record = recordSpec(flags);
      const control: ControlPolicy = flags.controlToken ? { mode: 'token', token: flags.controlToken } : { mode: flags.control };
      if (isAllInterfaces(flags.host) && control.mode !== 'token') log.warn({ host: flags.host }, 'listening on all interfaces without --control-token: anyone on your network can watch');
      if (control.mode === 'off') log.warn('no --control-token: publishers cannot authenticate, so nothing can publish (use --control-token TOKEN or GBSTREAM_CONTROL_TOKEN, or --control open locally)');
      const serving = await startHub({ ...flags, allowOrigins: flags.allowOrigin, control, log, record, cluster: clusterOf(flags) });
      const wsUrl = serving.server.url.replace(/^http/, 'ws') + 'ws';
      process.stdout.write(`gbstream: hub waiting for publishers — viewer ${serving.server.url} — WebSocket ${wsUrl}\n`);
      exitOnSignals(log, () => serving.stop());
    });
}
