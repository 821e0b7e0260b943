/**
 * `gbstream replay FILE`: flags → the site with a recording as its source (src/app/replay.ts); with
 * `--rom`, an input-log recording re-emulated on its recorded core (src/app/replay-inputs.ts).
 */
import { Command, Option } from 'commander';
import { replay } from '../app/replay.js';
import { replayInputs } from '../app/replay-inputs.js';
import { ConfigError } from '../config-error.js';
import { MAX_SPEED } from '../emulator/pacer.js';
import { FRAME_FORMATS } from '../encode/select-encoder.js';
import { createLogger } from '../log.js';
import type { FrameFormat } from '../protocol/messages.js';
import { parseFps, parseHost, parsePort, parseQuality } from './options.js';
import { parseReplaySpeed } from './record-options.js';
import { exitOnSignals } from './shutdown.js';

interface ReplayFlags {
  port: number;
  host: string;
  speed: number;
  loop: boolean;
  autoplay: boolean;
  rom?: string;
  fps?: number;
  format?: FrameFormat;
  quality?: number;
}

/** Frames per second of the focused env in an input-log replay, by default (the Game Boy's rate, about). */
const INPUT_REPLAY_FPS = 60;

export function replayCommand(): Command {
  return new Command('replay')
    .description('Serve a recording to the viewer over the same protocol, paced by its timestamps; viewers can pause, seek and change speed. With --rom, an input-log recording is re-emulated on its recorded core and served like the live server.')
    .argument('<file>', 'a .gbrec recording')
    .addOption(new Option('--port <n>', 'TCP port; 0 picks a free one').default(8080).argParser(parsePort))
    .addOption(new Option('--host <addr>', 'address to bind').default('127.0.0.1').argParser(parseHost))
    .addOption(new Option('--speed <x>', `playback speed: 1 = as recorded, N = N× (at most ${MAX_SPEED})`).default(1).argParser(parseReplaySpeed))
    .addOption(new Option('--loop', 'start over at the end').default(false))
    .addOption(new Option('--autoplay', 'start playing at once (default: when the first viewer connects)').default(false))
    .addOption(new Option('--rom <file>', 'input recording: re-emulate every env from its input log with this ROM (the one it was recorded with; its SHA-1 is checked)'))
    .addOption(new Option('--fps <n>', `with --rom: frames per second of wall time the focused env is sent at, 1–60 (default ${INPUT_REPLAY_FPS})`).argParser(parseFps))
    .addOption(new Option('--format <f>', 'with --rom: frame images, jpeg or png (default: the recording\'s)').choices(FRAME_FORMATS))
    .addOption(new Option('--quality <n>', 'with --rom: JPEG quality 1–100').argParser(parseQuality))
    .action(async (file: string, flags: ReplayFlags) => {
      const log = createLogger();
      if (flags.rom === undefined) {
        const given = (['fps', 'format', 'quality'] as const).filter((k) => flags[k] !== undefined);
        if (given.length > 0) throw new ConfigError('GBS_ERR_NO_INPUT_LOG', `--${given[0]} re-renders an input recording: give --rom ROM (a frame recording plays its frames as recorded)`);
        const replaying = await replay({ file, ...flags, log });
        const { index } = replaying.recording;
        const wsUrl = replaying.server.url.replace(/^http/, 'ws') + 'ws';
        process.stdout.write(
          `gbstream: replaying "${file}" (${index.hello.rom.title}, ${index.frames.length} frames, ${(index.durationMs / 1000).toFixed(1)} s; ${flags.autoplay ? 'playing' : 'plays when the first viewer connects'}) — viewer ${replaying.server.url} — WebSocket ${wsUrl}\n`,
        );
        exitOnSignals(log, () => replaying.stop());
        return;
      }
      const replaying = await replayInputs({ file, ...flags, rom: flags.rom, fps: flags.fps ?? INPUT_REPLAY_FPS, log });
      const { source } = replaying;
      const wsUrl = replaying.server.url.replace(/^http/, 'ws') + 'ws';
      process.stdout.write(
        `gbstream: replaying the input log of "${file}" (${source.log.hello.rom.title}, ${source.log.envs.size} env${source.log.envs.size === 1 ? '' : 's'}, ${(source.clock.durationMs / 1000).toFixed(1)} s emulated; ${flags.autoplay ? 'playing' : 'plays when the first viewer connects'}) — viewer ${replaying.server.url} — WebSocket ${wsUrl}\n`,
      );
      exitOnSignals(log, () => replaying.stop());
    });
}
