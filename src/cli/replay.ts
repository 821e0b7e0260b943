/** `gbstream replay FILE`: flags → the site with a recording as its source (src/app/replay.ts). */
import { Command, Option } from 'commander';
import { replay } from '../app/replay.js';
import { MAX_SPEED } from '../emulator/pacer.js';
import { createLogger } from '../log.js';
import { parseHost, parsePort } from './options.js';
import { parseReplaySpeed } from './record-options.js';
import { exitOnSignals } from './shutdown.js';

export function replayCommand(): Command {
  return new Command('replay')
    .description('Serve a recording to the viewer over the same protocol, paced by its timestamps; viewers can pause, seek and change speed.')
    .argument('<file>', 'a .gbrec recording')
    .addOption(new Option('--port <n>', 'TCP port; 0 picks a free one').default(8080).argParser(parsePort))
    .addOption(new Option('--host <addr>', 'address to bind').default('127.0.0.1').argParser(parseHost))
    .addOption(new Option('--speed <x>', `playback speed: 1 = as recorded, N = N× (at most ${MAX_SPEED})`).default(1).argParser(parseReplaySpeed))
    .addOption(new Option('--loop', 'start over at the end').default(false))
    .addOption(new Option('--autoplay', 'start playing at once (default: when the first viewer connects)').default(false))
    .action(async (file: string, flags: { port: number; host: string; speed: number; loop: boolean; autoplay: boolean }) => {
      const log = createLogger();
      const replaying = await replay({ file, ...flags, log });
      const { index } = replaying.recording;
      const wsUrl = replaying.server.url.replace(/^http/, 'ws') + 'ws';
      process.stdout.write(
        `gbstream: replaying "${file}" (${index.hello.rom.title}, ${index.frames.length} frames, ${(index.durationMs / 1000).toFixed(1)} s; ${flags.autoplay ? 'playing' : 'plays when the first viewer connects'}) — viewer ${replaying.server.url} — WebSocket ${wsUrl}\n`,
      );
      exitOnSignals(log, () => replaying.stop());
    });
}
