/**
 * The Map view's part of the site: loads the layout (the memory map's, else Kanto — the
 * StreamWrapper's world) and builds the feed that turns positions into records. `/broadcast`
 * agents reach it as a source (sources/stream-wrapper-source.ts).
 */
import { loadBackground, type MapBackground } from '../map/background.js';
import { layoutPath, loadLayout, type MapLayout } from '../map/layout.js';
import { MapFeed, type MapFeedOptions } from '../map/map-feed.js';
import { defaultCacheDir, RomBackground } from '../map/rom-background.js';
import type { Logger } from '../log.js';
import { LAYOUTS_DIR } from '../paths.js';
import type { PositionsMessage } from '../protocol/messages.js';
import { decodeRecords } from '../protocol/record.js';
import { SOCKET_POLICY } from '../server/socket-policy.js';
import type { Recording } from '../record/index.js';
import { isLayoutFile, type MemoryMap } from '../state/memory-map.js';

/** The layout `/broadcast` positions are placed on when the memory map names none. */
export const DEFAULT_LAYOUT = 'kanto-map-layout';

export interface MapSetupOptions {
  map: MemoryMap | undefined;
  publish(message: PositionsMessage): void;
  record(message: PositionsMessage): void;
  /** A picture aligned to the layout, drawn under the dots (`--map-background FILE`). */
  background?: string;
  /** Published envs' latest states (they may send state without frames). */
  states?: MapFeedOptions['states'];
  /** The ROM whose map data draws the background when no picture is given (Pokémon Red/Blue/Yellow). */
  rom?: { bytes: Uint8Array; sha1: string };
  /** Where drawn backgrounds are cached (`--cache-dir`); default the XDG cache. */
  cacheDir?: string;
  log: Logger;
}

export interface MapSetup {
  feed: MapFeed;
  /** The given picture, else the one drawn from the ROM once it is ready ('pending' until then). */
  readonly background: MapBackground | 'pending' | undefined;
  /** Drawing the background from the ROM, when there is one to draw from. */
  romBackground: RomBackground | undefined;
}

/** @throws ConfigError when the layout the memory map names, or the background, is missing or invalid. */
export async function startMap(options: MapSetupOptions): Promise<MapSetup> {
  const position = options.map?.position;
  const layout = await loadLayout(layoutPath(position?.layout ?? DEFAULT_LAYOUT, LAYOUTS_DIR));
  // Everything that can fail first: nothing to undo when it does.
  const background = options.background === undefined ? undefined : await loadBackground(options.background);
  // A joining viewer's snapshot is cut to what the socket policy lets a stranger cost.
  const feed = new MapFeed({ layout, position, publish: options.publish, record: options.record, states: options.states, welcomeBytes: SOCKET_POLICY.viewer.welcomeBytes });
  const { rom } = options;
  const romBackground = background || !rom ? undefined : new RomBackground({ rom: rom.bytes, sha1: rom.sha1, layout, cacheDir: options.cacheDir ?? defaultCacheDir(), log: options.log });
  return {
    feed,
    romBackground,
    get background() {
      return background ?? romBackground?.current ?? (romBackground?.pending ? 'pending' : undefined);
    },
  };
}

/**
 * For a replay: the layout the recording's `positions` records name, when it is a bundled one,
 * so the viewer can draw map outlines. Undefined when the recording has no positions or names a
 * layout file of its own (a replay does not go looking for it).
 */
export async function layoutOfRecording(recording: Recording): Promise<MapLayout | undefined> {
  const entry = recording.index.entries.find((e) => e.type === 'positions');
  if (!entry) return undefined;
  try {
    const [record] = decodeRecords(await recording.read(entry));
    const name = (record?.['layout'] as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || isLayoutFile(name)) return undefined;
    return await loadLayout(layoutPath(name, LAYOUTS_DIR));
  } catch {
    return undefined; // no such bundled layout, or a damaged record: no outlines, nothing worse
  }
}
