/** The commands a replay's viewers may send (a replay is a read-only file: all are harmless). */
import { speedArg } from '../emulator/pacer.js';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { Player } from './player.js';

/** Replay commands. @throws GbsError for unknown names or bad args. */
export function runReplayCommand(player: Player, durationMs: number, name: string, args: Record<string, unknown>): void {
  switch (name) {
    case 'pause':
      player.pause();
      return;
    case 'resume':
      player.resume();
      return;
    case 'speed':
      player.setSpeed(speedArg(args['value'], false) as number);
      return;
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
