/**
 * The composition root of `gbstream replay` (and the library's `replay()`): serves a recording to
 * the viewer over the live protocol. Frame records go out byte for byte as recorded, through the
 * same broadcaster (so backpressure applies), paced by their recorded `ts`. The hello is the
 * recorded one plus `replay` info; clients get control rights (a replay is a read-only file, so
 * `pause`/`resume`/`speed`/`seek` are harmless).
 */
import { ConfigError } from '../config-error.js';
import type { Logger } from '../log.js';
import { EventCode } from '../protocol/constants.js';
import type { HelloMessage } from '../protocol/messages.js';
import { openRecording, type Recording } from '../record/index.js';
import { runReplayCommand } from '../replay/commands.js';
import { Player } from '../replay/player.js';
import type { StreamServer } from '../server/server.js';
import { createMapRoutes } from '../http/map-routes.js';
import { layoutOfRecording } from './map.js';
import { startSite } from './site.js';

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
  // A recording of a hub starts before any publisher came: its env list is in the env-set events.
  const envsEvent = [...index.events].reverse().find((e) => e.code === EventCode.EnvsChanged && e.envs);
  const hello: Omit<HelloMessage, 'control'> = {
    ...recordedHello,
    ...(envsEvent?.envs && { envs: Math.max(recordedHello.envs, envsEvent.count ?? envsEvent.envs.length), envList: envsEvent.envs.map((e) => ({ ...e, live: true })) }),
    replay: { durationMs: index.durationMs, frames: index.frames.length, startTs: index.startTs },
  };

  // Map outlines for the viewer; the positions themselves are in the recording.
  const mapLayout = await layoutOfRecording(recording);
  const mapRoutes = createMapRoutes({ layout: () => mapLayout });

  let server: StreamServer | undefined;
  const fps = { value: 0, lastSent: 0 };
  const player = new Player({
    entries: index.entries,
    speed: options.speed,
    loop: options.loop,
    read: (entry) => recording.read(entry),
    // Frames through the drop policy, events as never-dropped control records: both unchanged.
    send: (entry, bytes) => (entry.type === 'frame' ? server?.publishFrame(bytes, entry.env ?? 0) : server?.broadcaster.broadcastControl(bytes)),
    onEnd: () => server?.publishControl({ type: 'event', ts: Date.now(), level: 'info', code: EventCode.ReplayEnd, message: 'end of the recording; seek or resume to play again' }),
    onError: (err) => log.error({ err }, 'replay read failed'),
  });

  server = await startSite(
    options,
    {
      hello: () => hello,
      stats: () => ({ fps: fps.value, emuFps: 0, speed: player.paused ? 0 : player.speed }),
      control: { mode: 'open' },
      onCommand: (message) => runReplayCommand(player, index.durationMs, message.name, message.args ?? {}),
      // The recording's envs: `subscribe` to any of them is accepted, as on the server that recorded it.
      envCount: index.frames.reduce((n, f) => Math.max(n, f.env + 1), Math.max(1, hello.envs)),
      routes: mapRoutes,
    },
    () => recording.close(),
  );
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
