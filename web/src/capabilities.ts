/**
 * What the page shows from what the server says it is: the header's name for the site, which
 * controls the focused env gets (a d-pad only where input is taken, "Emulator speed" only where
 * there is an emulator), and a replay's status line and latency (measured against playback time,
 * not against now: a recorded frame's `ts` is from the recording). Pure, unit-tested.
 */
import { formatPosition } from './replay-controls.js';

export interface Caps {
  input: boolean;
  emulatorSpeed: boolean;
  seek: boolean;
}

/** Servers and recordings from before capabilities ran a live emulator that takes input. */
export const LIVE_CAPS: Caps = Object.freeze({ input: true, emulatorSpeed: true, seek: false });

export function parseCaps(value: unknown, fallback: Caps): Caps {
  if (typeof value !== 'object' || value === null) return fallback;
  const v = value as Record<string, unknown>;
  const flag = (k: keyof Caps) => (typeof v[k] === 'boolean' ? (v[k] as boolean) : fallback[k]);
  return { input: flag('input'), emulatorSpeed: flag('emulatorSpeed'), seek: flag('seek') };
}

/**
 * The focused env's capabilities: its env-list entry's, else hello's, else (older servers) a live
 * emulator's — except that a replay (`hello.replay`) never takes input and has no emulator.
 */
export function capsOf(hello: Record<string, unknown> | undefined, entry: { can?: unknown } | undefined): Caps {
  const replay = hello?.['replay'] !== undefined;
  const base = replay ? { input: false, emulatorSpeed: false, seek: true } : LIVE_CAPS;
  return parseCaps(entry?.can, parseCaps(hello?.['can'], base));
}

/** The header's name for the site: the ROM title, "hub", or "replay of FILE". */
export function siteName(hello: Record<string, unknown>): string {
  const site = hello['site'] as { kind?: unknown; name?: unknown } | undefined;
  const rom = hello['rom'] as { title?: unknown } | undefined;
  const title = typeof rom?.title === 'string' && rom.title !== '' ? rom.title : 'untitled ROM';
  if (site && typeof site.name === 'string') {
    if (site.kind === 'replay') return `replay of ${site.name}`;
    return site.name || title;
  }
  return hello['replay'] !== undefined ? `replay of ${title}` : title;
}

/** The status line of a live replay: "Replay 0:42 / 3:10". */
export function replayStatus(positionMs: number, durationMs: number): string {
  return `Replay ${formatPosition(positionMs)} / ${formatPosition(durationMs)}`;
}

/** A replay's clock as the last `stats` said it, and when (server ms). */
export interface PlaybackClock {
  ts: number;
  speed: number;
  paused: boolean;
  /** `stats.ts`: server time at which playback was at `ts`. */
  at: number;
}

export function parsePlayback(stats: Record<string, unknown>): PlaybackClock | undefined {
  const p = stats['playback'] as Record<string, unknown> | undefined;
  if (!p || typeof p['ts'] !== 'number' || typeof p['speed'] !== 'number' || !(p['speed'] > 0) || typeof stats['ts'] !== 'number') return undefined;
  return { ts: p['ts'], speed: p['speed'], paused: p['paused'] === true, at: stats['ts'] };
}

/**
 * How late a recorded frame stamped `frameTs` is shown, in wall ms: how far playback has moved
 * past it by `serverNow` (this page's clock, corrected to the server's), divided by the speed.
 */
export function playbackLatency(frameTs: number, clock: PlaybackClock, serverNow: number): number {
  const playbackNow = clock.paused ? clock.ts : clock.ts + (serverNow - clock.at) * clock.speed;
  return (playbackNow - frameTs) / clock.speed;
}
