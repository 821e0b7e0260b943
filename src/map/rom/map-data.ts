/**
 * Map headers and tileset headers, read through the tables of tables.ts (layouts from
 * pret/pokered `macros/scripts/maps.asm` `map_header` and `data/tilesets/tileset_headers.asm`):
 *
 *   map header (in the map's bank):  db tileset, db height, db width (in blocks), dw blocks,
 *                                    dw text pointers, dw script, db connection flags, …
 *   blocks (same bank):              height × width block ids, row by row
 *   tileset header (12 bytes):       db bank, dw block set, dw gfx, dw collisions, db ×3 counter
 *                                    tiles, db grass tile, db animation
 *   block set (tileset's bank):      16 tile ids per block, 4 rows of 4
 *   gfx (tileset's bank):            2bpp 8×8 tiles; the game copies 0x600 bytes (96 tiles) to VRAM
 */
import { formatPointer, readBytes, readU16, readU8, romDataError, type FarPointer } from './banked.js';
import type { MapTables } from './tables.js';

export interface MapHeader {
  mapId: number;
  tileset: number;
  /** In blocks (one block is 2×2 player steps, 4×4 tiles, 32×32 pixels). */
  width: number;
  height: number;
  /** `height × width` block ids, row by row (a view into the ROM). */
  blocks: Uint8Array;
}

export interface TilesetHeader {
  id: number;
  bank: number;
  blockSet: FarPointer;
  gfx: FarPointer;
}

/** Bytes the game copies from a tileset's gfx into VRAM (LoadTilesetTilePatternData). */
export const TILESET_GFX_BYTES = 0x600;
export const TILESET_TILES = TILESET_GFX_BYTES / 16;
export const BLOCK_BYTES = 16;
/** wOverworldMap holds the map plus a 3-block border on each side: (w + 6) × (h + 6) ≤ 1300. */
export const OVERWORLD_MAP_BYTES = 1300;
const MAP_BORDER = 3;

/**
 * The header and block ids of map `mapId`.
 * @throws GbsError GBS_ERR_MAP_ROM_DATA when a pointer leaves the ROM or a value is impossible
 */
export function readMapHeader(rom: Uint8Array, tables: MapTables, mapId: number): MapHeader {
  if (!Number.isInteger(mapId) || mapId < 0 || mapId >= tables.mapCount) {
    throw romDataError(`map ${mapId} is not a map id of this game (0–${tables.mapCount - 1})`);
  }
  const bank = readU8(rom, { bank: tables.headerBanks.bank, address: tables.headerBanks.address + mapId }, `map ${mapId}'s bank (MapHeaderBanks)`);
  const address = readU16(rom, { bank: tables.headerPointers.bank, address: tables.headerPointers.address + 2 * mapId }, `map ${mapId}'s header pointer (MapHeaderPointers)`);
  const at = { bank, address };
  const head = readBytes(rom, at, 5, `map ${mapId}'s header`);
  const [tileset, height, width] = [head[0]!, head[1]!, head[2]!];
  const where = `map ${mapId}'s header at ${formatPointer(at)}`;
  if (tileset >= tables.tilesetCount) throw romDataError(`${where} names tileset ${tileset}; the game has ${tables.tilesetCount}`);
  if (width < 1 || height < 1 || (width + 2 * MAP_BORDER) * (height + 2 * MAP_BORDER) > OVERWORLD_MAP_BYTES) {
    throw romDataError(`${where} gives size ${width}×${height} blocks; the game holds at most ${OVERWORLD_MAP_BYTES} with its border`);
  }
  const blocksAt = { bank, address: head[3]! | (head[4]! << 8) };
  const blocks = readBytes(rom, blocksAt, width * height, `map ${mapId}'s blocks`);
  return { mapId, tileset, width, height, blocks };
}

/** @throws GbsError GBS_ERR_MAP_ROM_DATA */
export function readTilesetHeader(rom: Uint8Array, tables: MapTables, id: number): TilesetHeader {
  if (!Number.isInteger(id) || id < 0 || id >= tables.tilesetCount) throw romDataError(`tileset ${id} is not a tileset of this game (0–${tables.tilesetCount - 1})`);
  const at = { bank: tables.tilesets.bank, address: tables.tilesets.address + 12 * id };
  const what = `tileset ${id}'s header`;
  const head = readBytes(rom, at, 5 + 2, what);
  const bank = head[0]!;
  return { id, bank, blockSet: { bank, address: head[1]! | (head[2]! << 8) }, gfx: { bank, address: head[3]! | (head[4]! << 8) } };
}

/**
 * The block set's 16 tile ids of each of `count` blocks. `count` is the highest block id a map
 * uses plus one: block sets carry no length, so only what is used is read.
 * @throws GbsError GBS_ERR_MAP_ROM_DATA
 */
export function readBlockSet(rom: Uint8Array, tileset: TilesetHeader, count: number): Uint8Array {
  return readBytes(rom, tileset.blockSet, count * BLOCK_BYTES, `tileset ${tileset.id}'s block set`);
}

/**
 * The tileset's tiles as the game has them in VRAM: 0x600 bytes from its gfx pointer (past a
 * short tileset's end that is whatever follows in the ROM, as on the console), cut at the end of
 * the bank.
 * @throws GbsError GBS_ERR_MAP_ROM_DATA
 */
export function readTilesetGfx(rom: Uint8Array, tileset: TilesetHeader): Uint8Array {
  const room = Math.min(TILESET_GFX_BYTES, 0x8000 - tileset.gfx.address);
  return readBytes(rom, tileset.gfx, Math.max(0, room), `tileset ${tileset.id}'s tiles`);
}
