/**
 * The Map view's background drawn from the user's own ROM (src/map/rom/), cached on disk by the
 * ROM's SHA-1 so only the first start pays for it (about half a second for Kanto here):
 *
 *   <cache dir>/maps/<sha1>.<layout>.v<RENDER_VERSION>.png
 *
 * The cache dir is `--cache-dir`, else `$XDG_CACHE_HOME/gbstream`, else `~/.cache/gbstream`.
 * Nothing is drawn in the caller's turn: `start()` returns at once and the picture appears in
 * `current` when done, so the server listens meanwhile. A ROM that is not Pokémon Red/Blue/
 * Yellow gets no picture and no error; a map whose data is corrupt is left out with one log
 * line; a cache that cannot be written costs a warning, not the picture.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { imageType, type MapBackground } from './background.js';
import type { MapLayout } from './layout.js';
import { renderWorldAsync } from './rom/render.js';
import { findMapTables } from './rom/tables.js';
import { encodeWorldPngAsync } from './rom/world-png.js';

/** Bump when the drawing changes, so old cached pictures are not served. */
export const RENDER_VERSION = 1;

/** `$XDG_CACHE_HOME/gbstream`, else `~/.cache/gbstream` (the XDG default). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg && xdg.startsWith('/') ? xdg : join(home, '.cache'), 'gbstream');
}

export function cacheFile(cacheDir: string, sha1: string, layout: string): string {
  return join(cacheDir, 'maps', `${sha1}.${layout}.v${RENDER_VERSION}.png`);
}

export interface RomBackgroundOptions {
  rom: Uint8Array;
  /** The ROM's SHA-1 (hex), the cache key. */
  sha1: string;
  layout: MapLayout;
  cacheDir: string;
  log: Logger;
}

/** What became of a render, for logs and tests. */
export type RomBackgroundOutcome =
  | { kind: 'cached'; file: string }
  | { kind: 'rendered'; file: string; maps: number; failed: number; ms: number }
  | { kind: 'not-pokemon' }
  | { kind: 'failed'; message: string };

export class RomBackground {
  #current: MapBackground | undefined;
  #pending = true;
  /** Settles when the picture is there, or it is known that there will be none. */
  readonly ready: Promise<RomBackgroundOutcome>;

  constructor(options: RomBackgroundOptions) {
    // Not in this turn: the caller goes on to listen first.
    this.ready = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#load(options))
      .catch((err: unknown) => {
        const message = (err as Error).message;
        options.log.warn({ err: message }, 'map background from the ROM failed; the Map view draws outlines only');
        return { kind: 'failed', message } as const;
      })
      .finally(() => (this.#pending = false));
  }

  /** True until the picture is there or it is known there will be none. */
  get pending(): boolean {
    return this.#pending;
  }

  /** The picture once drawn (or read from the cache); undefined before, and for other ROMs. */
  get current(): MapBackground | undefined {
    return this.#current;
  }

  async #load({ rom, sha1, layout, cacheDir, log }: RomBackgroundOptions): Promise<RomBackgroundOutcome> {
    const tables = findMapTables(rom);
    if (!tables) {
      log.debug('no Pokémon Red/Blue/Yellow map data in this ROM: the Map view has no background');
      return { kind: 'not-pokemon' };
    }
    const file = cacheFile(cacheDir, sha1, layout.name);
    const cached = await readFile(file).catch(() => undefined);
    if (cached && imageType(cached) === 'image/png') {
      this.#current = { bytes: new Uint8Array(cached), contentType: 'image/png' };
      log.debug({ file }, 'map background from the cache');
      return { kind: 'cached', file };
    }
    const started = performance.now();
    const world = await renderWorldAsync(rom, tables, layout);
    for (const f of world.failed) log.warn({ mapId: f.mapId }, `map ${f.mapId} left out of the background: ${f.message}`);
    const png = await encodeWorldPngAsync(world);
    this.#current = { bytes: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), contentType: 'image/png' };
    const ms = Math.round(performance.now() - started);
    log.info({ maps: world.drawn.length, failed: world.failed.length, ms, file }, 'map background drawn from the ROM');
    try {
      await mkdir(join(cacheDir, 'maps'), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, png);
      await rename(tmp, file);
    } catch (err) {
      log.warn({ file, err: (err as Error).message }, 'could not cache the map background (it is drawn again next start)');
    }
    return { kind: 'rendered', file, maps: world.drawn.length, failed: world.failed.length, ms };
  }
}
