/**
 * Pixels from map data: 2bpp tiles → 4×4-tile blocks → a map's block grid → the whole world,
 * each map at its layout offset. Pure: ROM bytes in, shade indices out (0 white … 3 black, the
 * Game Boy's own colour numbers through the overworld's identity BGP %11100100).
 *
 * Scale: one tile is 8×8 pixels, a block 32×32, one player step (half a block) 16×16 — the
 * console's own size, so a layout cell (a step) is 16 pixels.
 */
import { CANVAS_MAP_ID, type MapLayout, type MapRegion } from '../layout.js';
import { BLOCK_BYTES, TILESET_TILES, readBlockSet, readMapHeader, readTilesetGfx, readTilesetHeader } from './map-data.js';
import type { MapTables } from './tables.js';

export const TILE_PX = 8;
export const BLOCK_PX = 32;
/** Pixels per layout cell (one player step). */
export const STEP_PX = 16;

/** A picture of shade indices, one byte a pixel. */
export interface ShadeImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * Decodes 2bpp tiles (16 bytes each: per row a low-bit byte then a high-bit byte, leftmost pixel
 * in bit 7) into 64 colour numbers per tile. A partial last tile is dropped.
 */
export function decode2bpp(bytes: Uint8Array): Uint8Array {
  const count = Math.floor(bytes.length / 16);
  const out = new Uint8Array(count * 64);
  for (let t = 0; t < count; t++) {
    for (let row = 0; row < 8; row++) {
      const lo = bytes[t * 16 + row * 2]!;
      const hi = bytes[t * 16 + row * 2 + 1]!;
      for (let x = 0; x < 8; x++) {
        const bit = 7 - x;
        out[t * 64 + row * 8 + x] = (((hi >> bit) & 1) << 1) | ((lo >> bit) & 1);
      }
    }
  }
  return out;
}

/** Decoded tilesets, shared by the maps that use them (Kanto's 200-odd maps use 25). */
export type TilesetCache = Map<number, Uint8Array>;

/**
 * Draws map `mapId` into `target` with its top-left pixel at (`x0`, `y0`), clipped to the
 * target; each pixel is its shade plus `bias` (a world image keeps 0 for "no map here").
 * Tile ids past the tileset's 96 (VRAM the tileset does not fill; no Kanto map uses them) draw
 * as shade 0. Returns the map's size in pixels.
 * @throws GbsError GBS_ERR_MAP_ROM_DATA when the map's data is unreadable
 */
export function drawMap(rom: Uint8Array, tables: MapTables, mapId: number, target: ShadeImage, x0: number, y0: number, bias = 0, cache: TilesetCache = new Map()): { width: number; height: number } {
  const map = readMapHeader(rom, tables, mapId);
  const tileset = readTilesetHeader(rom, tables, map.tileset);
  let tiles = cache.get(tileset.id);
  if (!tiles) {
    tiles = decode2bpp(readTilesetGfx(rom, tileset));
    cache.set(tileset.id, tiles);
  }
  const tileCount = Math.min(TILESET_TILES, tiles.length / 64);
  const blockSet = readBlockSet(rom, tileset, Math.max(...map.blocks) + 1);
  const { width: tw, height: th, pixels } = target;
  for (let by = 0; by < map.height; by++) {
    for (let bx = 0; bx < map.width; bx++) {
      const block = map.blocks[by * map.width + bx]!;
      for (let ty = 0; ty < 4; ty++) {
        for (let tx = 0; tx < 4; tx++) {
          const tile = blockSet[block * BLOCK_BYTES + ty * 4 + tx]!;
          const px = x0 + bx * BLOCK_PX + tx * TILE_PX;
          const py = y0 + by * BLOCK_PX + ty * TILE_PX;
          for (let y = 0; y < TILE_PX; y++) {
            const gy = py + y;
            if (gy < 0 || gy >= th) continue;
            for (let x = 0; x < TILE_PX; x++) {
              const gx = px + x;
              if (gx < 0 || gx >= tw) continue;
              pixels[gy * tw + gx] = (tile < tileCount ? tiles[tile * 64 + y * 8 + x]! : 0) + bias;
            }
          }
        }
      }
    }
  }
  return { width: map.width * BLOCK_PX, height: map.height * BLOCK_PX };
}

/** One map alone, at its own size. @throws GbsError GBS_ERR_MAP_ROM_DATA */
export function renderMap(rom: Uint8Array, tables: MapTables, mapId: number): ShadeImage {
  const { width, height } = readMapHeader(rom, tables, mapId);
  const image = { width: width * BLOCK_PX, height: height * BLOCK_PX, pixels: new Uint8Array(width * BLOCK_PX * height * BLOCK_PX) };
  drawMap(rom, tables, mapId, image, 0, 0);
  return image;
}

export interface WorldImage extends ShadeImage {
  /** Map ids drawn, in layout order. */
  drawn: number[];
  /** Maps of the layout whose data could not be read, with why (one line each). */
  failed: { mapId: number; message: string }[];
}

/**
 * Every map of `layout` at its offset (× 16 px), on a canvas of the layout's size. Pixels are
 * 0 where no map is and shade + 1 elsewhere. A map whose data is bad is left out and listed in
 * `failed`; the others are drawn.
 */
export function renderWorld(rom: Uint8Array, tables: MapTables, layout: MapLayout): WorldImage {
  const job = worldJob(layout);
  for (const region of job.regions) job.draw(rom, tables, region);
  return job.image;
}

/**
 * The same, giving the event loop a turn after each map (each takes well under 10 ms), so a
 * server that renders at start keeps serving meanwhile.
 */
export async function renderWorldAsync(rom: Uint8Array, tables: MapTables, layout: MapLayout): Promise<WorldImage> {
  const job = worldJob(layout);
  for (const region of job.regions) {
    job.draw(rom, tables, region);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return job.image;
}

function worldJob(layout: MapLayout) {
  const width = layout.width * STEP_PX;
  const height = layout.height * STEP_PX;
  const image: WorldImage = { width, height, pixels: new Uint8Array(width * height), drawn: [], failed: [] };
  const cache: TilesetCache = new Map();
  const regions = [...layout.regions.values()].filter((r) => r.id !== CANVAS_MAP_ID);
  const draw = (rom: Uint8Array, tables: MapTables, region: MapRegion) => {
    try {
      drawMap(rom, tables, region.id, image, region.x * STEP_PX, region.y * STEP_PX, 1, cache);
      image.drawn.push(region.id);
    } catch (err) {
      image.failed.push({ mapId: region.id, message: (err as Error).message });
    }
  };
  return { image, regions, draw };
}
