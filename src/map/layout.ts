/**
 * World-map layouts: where each map id of a game sits on one shared canvas, so positions from
 * many agents (each on its own local map) can be drawn together. Pure: parse, validate, convert.
 *
 * The file format is the one of `data/layouts/kanto-map-layout.json` (from PokemonRedExperiments'
 * map data, MIT): `columns` names the six columns of `rows`, one row per map id:
 *
 *   { "columns": ["mapId", "name", "x", "y", "width", "height"],
 *     "rows": [[-1, "Kanto", 0, 0, 436, 444], [0, "Pallet Town", 64, 318, 20, 18], …] }
 *
 * Map id −1 is the whole canvas. A player at local (x, y) on map m is at global
 * (x + x_m, y + y_m), in the game's own position units (Pokémon Red: 16-pixel steps).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config-error.js';
import { isLayoutFile } from '../state/memory-map.js';

/** One map's rectangle on the canvas. */
export interface MapRegion {
  id: number;
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface MapLayout {
  /** The layout's name (its file name without `.json` for bundled layouts). */
  name: string;
  /** Canvas size in position units (the map −1 row). */
  width: number;
  height: number;
  regions: ReadonlyMap<number, MapRegion>;
}

/** A global position on a layout's canvas. */
export interface GlobalPoint {
  gx: number;
  gy: number;
}

export const LAYOUT_COLUMNS = ['mapId', 'name', 'x', 'y', 'width', 'height'] as const;
/** The map id whose row is the whole canvas. */
export const CANVAS_MAP_ID = -1;
/** Larger canvases would make a visit-count grid of more than 16 M cells. */
export const MAX_LAYOUT_SIDE = 4096;

const int = z.number().int();
const fileSchema = z.object({
  columns: z.array(z.string()),
  rows: z.array(z.array(z.union([z.number(), z.string()]))).min(1),
});

/** Validates a parsed layout file. @throws ConfigError quoting what is wrong. */
export function parseLayout(value: unknown, name: string): MapLayout {
  const bad = (why: string) => new ConfigError('GBS_ERR_LAYOUT_INVALID', `map layout "${name}" is invalid: ${why}`);
  const file = fileSchema.safeParse(value);
  if (!file.success) {
    const issue = file.error.issues[0]!;
    throw bad(`${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  const index = LAYOUT_COLUMNS.map((c) => file.data.columns.indexOf(c));
  const missing = LAYOUT_COLUMNS.filter((_, i) => index[i]! < 0);
  if (missing.length) throw bad(`"columns" lacks ${missing.map((c) => `"${c}"`).join(', ')}`);
  const regions = new Map<number, MapRegion>();
  file.data.rows.forEach((row, r) => {
    const cell = (i: number) => row[index[i]!];
    const [id, x, y, width, height] = [0, 2, 3, 4, 5].map(cell);
    const label = cell(1);
    const nums = { mapId: id, x, y, width, height };
    for (const [k, v] of Object.entries(nums)) {
      if (!int.safeParse(v).success) throw bad(`rows[${r}] ${k} must be an integer, got ${JSON.stringify(v)}`);
    }
    if (typeof label !== 'string') throw bad(`rows[${r}] name must be a string, got ${JSON.stringify(label)}`);
    const region = { id: id as number, name: label, x: x as number, y: y as number, width: width as number, height: height as number };
    if (region.width < 1 || region.height < 1) throw bad(`rows[${r}] (map ${region.id}) has size ${region.width}×${region.height}`);
    if (regions.has(region.id)) throw bad(`map id ${region.id} appears twice (rows[${r}])`);
    regions.set(region.id, region);
  });
  const canvas = regions.get(CANVAS_MAP_ID);
  if (!canvas) throw bad(`no row for map id ${CANVAS_MAP_ID} (the whole canvas)`);
  if (canvas.width > MAX_LAYOUT_SIDE || canvas.height > MAX_LAYOUT_SIDE) {
    throw bad(`canvas ${canvas.width}×${canvas.height} is larger than ${MAX_LAYOUT_SIDE}×${MAX_LAYOUT_SIDE}`);
  }
  return { name, width: canvas.width, height: canvas.height, regions };
}

/**
 * Where a layout named in a memory map lives: a bundled name (`kanto-map-layout`) is a file in
 * `bundledDir`; anything else is a path (memory-map.ts has made it absolute already).
 */
export function layoutPath(spec: string, bundledDir: string): string {
  return isLayoutFile(spec) ? spec : join(bundledDir, `${spec}.json`);
}

/** Reads and validates a layout file. @throws ConfigError on a missing file, bad JSON or bad rows. */
export async function loadLayout(path: string, name = layoutName(path)): Promise<MapLayout> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError('GBS_ERR_LAYOUT_UNREADABLE', `map layout "${path}" ${code === 'ENOENT' ? 'does not exist' : (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('GBS_ERR_LAYOUT_INVALID', `map layout "${path}" is not valid JSON: ${(err as Error).message}`);
  }
  return parseLayout(json, name);
}

function layoutName(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(/\.json$/i, '');
}

/**
 * Local position → global, or undefined when the map id is not in the layout or the result
 * falls off the canvas (a glitched read, a map the layout leaves out).
 */
export function toGlobal(layout: MapLayout, map: number, x: number, y: number): GlobalPoint | undefined {
  if (map === CANVAS_MAP_ID) return undefined;
  const region = layout.regions.get(map);
  if (!region) return undefined;
  const gx = x + region.x;
  const gy = y + region.y;
  if (gx < 0 || gy < 0 || gx >= layout.width || gy >= layout.height) return undefined;
  return { gx, gy };
}

/** The layout as JSON for the viewer (`GET /api/map/layout`): canvas size and every region. */
export function layoutJson(layout: MapLayout): { name: string; width: number; height: number; regions: MapRegion[] } {
  const regions = [...layout.regions.values()].filter((r) => r.id !== CANVAS_MAP_ID);
  return { name: layout.name, width: layout.width, height: layout.height, regions };
}
