/**
 * `gbstream replay FILE`: serves a recording to the viewer over the live protocol. Frame records
 * go out byte for byte as recorded, through the same broadcaster (so backpressure applies),
 * paced by their recorded `ts`. The hello is the recorded one plus `replay` info; clients get
 * control rights (a replay is a read-only file, so `pause`/`resume`/`speed`/`seek` are harmless).
 */
import { listenError } from '../server/listen-error.js';
import { exitOnSignals } from './shutdown.js';
import { Command, Option } from 'commander';
import { ConfigError } from '../config-error.js';
import { createLogger, type Logger } from '../log.js';
import { WEB_ROOT } from '../paths.js';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { HelloMessage } from '../protocol/messages.js';
import { openRecording, type Recording } from '../record/index.js';
import { Player } from '../replay/player.js';
import { startServer, type StreamServer } from '../server/server.js';
import { MAX_SPEED } from '../emulator/pacer.js';
import { parseHost, parsePort } from './options.js';
import { parseReplaySpeed } from './record-options.js';

export interface ReplayOptions {
  file: string;
  port: number;
  host: string;
  speed: number;
  loop: boolean;
  log: Logger;
  webRoot?: string;
  allowOrigins?: readonly string[];
}

export interface Replaying {
  server: StreamServer;
  player: Player;
  recording: Recording;
  stop(): Promise<void>;
}

/** Replay commands. @throws GbsError for unknown names or bad args. */
export function runReplayCommand(player: Player, durationMs: number, name: string, args: Record<string, unknown>): void {
  switch (name) {
    case 'pause':
      player.pause();
      return;
    case 'resume':
      player.resume();
      return;
    case 'speed': {
      const value = args['value'];
      if (typeof value === 'number' && value > 0 && value <= MAX_SPEED) {
        player.setSpeed(value);
        return;
      }
      throw new GbsError(ErrorCode.BadField, `speed needs args.value: a number above 0 and at most ${MAX_SPEED}; got ${JSON.stringify(value)}`);
    }
    case 'seek': {
      const ms = args['ms'];
      if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 && ms <= durationMs) {
        player.seek(ms);
        return;
      }
      throw new GbsError(ErrorCode.BadField, `seek needs args.ms: milliseconds from the start, 0–${durationMs}; got ${JSON.stringify(ms)}`);
    }
    default:
      throw new GbsError(ErrorCode.Unsupported, `unknown replay command ${JSON.stringify(name.slice(0, 32))}; commands: pause, resume, speed, seek`);
  }
}

export async function replay(options: ReplayOptions): Promise<Replaying> {
  const { log } = options;
  const recording = await openRecording(options.file);
  const { index } = recording;
  for (const issue of index.issues) log.warn({ offset: issue.offset }, issue.message);
  if (index.frames.length === 0) {
    await recording.close();
    throw new ConfigError('GBS_ERR_EMPTY_RECORDING', `"${options.file}" holds no frames to replay`);
  }
  const { control: _recorded, ...recordedHello } = index.hello;
  const hello: Omit<HelloMessage, 'control'> = {
    ...recordedHello,
    replay: { durationMs: index.durationMs, frames: index.frames.length, startTs: index.startTs },
  };

  let server: StreamServer | undefined;
  const fps = { value: 0, lastSent: 0 };
  const player = new Player({
    entries: index.entries,
    speed: options.speed,
    loop: options.loop,
    read: (entry) => recording.read(entry),
    // Frames through the drop policy, events as never-dropped control records: both unchanged.
    send: (entry, bytes) => (entry.type === 'frame' ? server?.publishFrame(bytes, entry.env ?? 0) : server?.broadcaster.broadcastControl(bytes)),
    onEnd: () => server?.publishControl({ type: 'event', ts: Date.now(), level: 'info', code: 'GBS_REPLAY_END', message: 'end of the recording; seek or resume to play again' }),
    onError: (err) => log.error({ err }, 'replay read failed'),
  });

  try {
    server = await startServer({
      host: options.host,
      port: options.port,
      webRoot: options.webRoot ?? WEB_ROOT,
      log,
      hello: () => hello,
      stats: () => ({ fps: fps.value, emuFps: 0, speed: player.paused ? 0 : player.speed }),
      control: { mode: 'open' },
      allowOrigins: options.allowOrigins,
      onCommand: (message) => runReplayCommand(player, index.durationMs, message.name, message.args ?? {}),
    });
  } catch (err) {
    await recording.close();
    throw listenError(err, options.host, options.port);
  }
  const fpsTimer = setInterval(() => {
    fps.value = player.sent - fps.lastSent;
    fps.lastSent = player.sent;
  }, 1000);
  fpsTimer.unref();
  player.start();
  log.info({ file: options.file, rom: index.hello.rom.title, frames: index.frames.length, durationMs: index.durationMs, speed: options.speed, loop: options.loop }, 'replaying');

  const running = server;
  return {
    server: running,
    player,
    recording,
    async stop() {
      clearInterval(fpsTimer);
      player.stop();
      await running.close();
      await recording.close();
    },
  };
}

export function replayCommand(): Command {
  return new Command('replay')
    .description('Serve a recording to the viewer over the same protocol, paced by its timestamps; viewers can pause, seek and change speed.')
    .argument('<file>', 'a .gbrec recording')
    .addOption(new Option('--port <n>', 'TCP port; 0 picks a free one').default(8080).argParser(parsePort))
    .addOption(new Option('--host <addr>', 'address to bind').default('127.0.0.1').argParser(parseHost))
    .addOption(new Option('--speed <x>', `playback speed: 1 = as recorded, N = N× (at most ${MAX_SPEED})`).default(1).argParser(parseReplaySpeed))
    .addOption(new Option('--loop', 'start over at the end').default(false))
    .action(async (file: string, flags: { port: number; host: string; speed: number; loop: boolean }) => {
      const log = createLogger();
      const replaying = await replay({ file, ...flags, log });
      const { index } = replaying.recording;
      const wsUrl = replaying.server.url.replace(/^http/, 'ws') + 'ws';
      process.stdout.write(
        `gbstream: replaying "${file}" (${index.hello.rom.title}, ${index.frames.length} frames, ${(index.durationMs / 1000).toFixed(1)} s) — viewer ${replaying.server.url} — WebSocket ${wsUrl}\n`,
      );
      exitOnSignals(log, () => replaying.stop());
    });
}
