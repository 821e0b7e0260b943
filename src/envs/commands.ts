/** Emulator commands a controlling client may send, applied to one env. */
import { speedArg, type Speed } from '../emulator/pacer.js';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';

export const COMMANDS = ['reset', 'pause', 'resume', 'speed', 'save', 'load', 'episode'] as const;

/** What a command acts on (a LocalEnv). */
export interface CommandTarget {
  /** The `reset` command: power-on restart. */
  restart(): void;
  pause(): void;
  resume(): void;
  setSpeed(speed: Speed): void;
  save(slot: string): void;
  load(slot: string): void;
  /** The `episode` command: marks the end of an episode in the input log, with a trainer's score. */
  markEpisode(score: number | undefined): void;
}

function scoreOf(args: Record<string, unknown>): number | undefined {
  const score = args['score'];
  if (score === undefined || score === null) return undefined;
  if (typeof score !== 'number' || !Number.isFinite(score)) throw new GbsError(ErrorCode.BadField, `args.score must be a finite number, got ${JSON.stringify(score)}`);
  return score;
}

function slotOf(args: Record<string, unknown>): string {
  const slot = args['slot'] ?? 'default';
  if ((typeof slot !== 'string' && typeof slot !== 'number') || String(slot).length === 0 || String(slot).length > 32) {
    throw new GbsError(ErrorCode.BadField, `args.slot must be a name or number of 1–32 characters, got ${JSON.stringify(slot)}`);
  }
  return String(slot);
}

/** @throws GbsError for unknown names or bad args. */
export function runCommand(target: CommandTarget, name: string, args: Record<string, unknown>): void {
  switch (name) {
    case 'reset':
      target.restart();
      return;
    case 'pause':
      target.pause();
      return;
    case 'resume':
      target.resume();
      return;
    case 'speed':
      target.setSpeed(speedArg(args['value'], true));
      return;
    case 'save':
      target.save(slotOf(args));
      return;
    case 'load':
      target.load(slotOf(args));
      return;
    case 'episode':
      target.markEpisode(scoreOf(args));
      return;
    default:
      throw new GbsError(ErrorCode.Unsupported, `unknown command ${JSON.stringify(name.slice(0, 32))}; commands: ${COMMANDS.join(', ')}`);
  }
}
