/**
 * Where a Pokémon Red/Blue/Yellow ROM keeps the three tables the world map is drawn from
 * (pret/pokered and pret/pokeyellow name them):
 *
 *   MapHeaderPointers  dw per map id: the map header's address (in the map's bank)
 *   MapHeaderBanks     db per map id: the bank of that header, its blocks and its objects
 *   Tilesets           12 bytes per tileset: db bank, dw blocks, dw gfx, dw collisions, …
 *
 * The addresses differ between games (and between builds of one game), so they are not written
 * down here: each is found by the ROM's own code that reads it — the instruction bytes of
 * `SwitchToMapRomBank`, `LoadMapHeader`/`GetMapHeaderPointer` and `LoadTilesetHeader` as the
 * disassemblies give them, with the table's address as the operand of `ld hl, Table`. A game is
 * picked by its header title; a ROM whose title names none, or whose code does not hold each
 * pattern exactly once, has no map tables (undefined), which is not an error.
 */
import { romTitle } from '../../rom/header.js';
import { BANK_BYTES, type FarPointer } from './banked.js';

export interface MapTables {
  /** Which code the tables were found by ("red-blue" or "yellow"). */
  game: 'red-blue' | 'yellow';
  headerPointers: FarPointer;
  headerBanks: FarPointer;
  tilesets: FarPointer;
  /** How many map ids and tilesets the game has (NUM_MAPS, NUM_TILESETS in the disassembly). */
  mapCount: number;
  tilesetCount: number;
}

/**
 * An instruction-byte pattern: hex bytes, `..` for any byte, `bk` for the table's bank operand,
 * `lo hi` for its address operand. Without `bk` the table is in bank 0 (address < 0x4000) or in
 * the bank the code was found in.
 */
type Pattern = string;

interface GameCode {
  game: MapTables['game'];
  titles: readonly string[];
  mapCount: number;
  tilesetCount: number;
  headerBanks: Pattern;
  headerPointers: Pattern;
  tilesets: Pattern;
}

// SwitchToMapRomBank: ld a, BANK(MapHeaderBanks); call BankswitchHome; ld hl, MapHeaderBanks; add hl, bc; ld a, [hl]
const SWITCH_TO_MAP_ROM_BANK = '3E bk CD .. .. 21 lo hi 09 7E';

const GAMES: readonly GameCode[] = [
  {
    game: 'red-blue',
    titles: ['POKEMON RED', 'POKEMON BLUE'],
    mapCount: 248,
    tilesetCount: 24,
    headerBanks: SWITCH_TO_MAP_ROM_BANK,
    // LoadMapHeader (home/overworld.asm): ld hl, MapHeaderPointers; ld a, [wCurMap]; sla a; jr nc, +1; inc h; add l; ld l, a
    headerPointers: '21 lo hi FA .. .. CB 27 30 01 24 85 6F',
    // LoadTilesetHeader: add a; add a; ld b, a; add a; add b; jr nc, +1; inc d; ld e, a; ld hl, Tilesets; add hl, de
    tilesets: '87 87 47 87 80 30 01 14 5F 21 lo hi 19',
  },
  {
    game: 'yellow',
    titles: ['POKEMON YELLOW'],
    mapCount: 249,
    tilesetCount: 25,
    headerBanks: SWITCH_TO_MAP_ROM_BANK,
    // GetMapHeaderPointer: ld a, BANK(MapHeaderPointers); call BankswitchCommon; push de; ld a, [wCurMap]; ld e, a; ld d, 0; ld hl, MapHeaderPointers; add hl, de; add hl, de
    headerPointers: '3E bk CD .. .. D5 FA .. .. 5F 16 00 21 lo hi 19 19',
    // LoadTilesetHeader: ld a, [wCurMapTileset]; add a; add a; ld e, a; ld hl, Tilesets; add hl, de ×3
    tilesets: 'FA .. .. 87 87 5F 21 lo hi 19 19 19',
  },
];

/** The game whose code a ROM's header title names, or undefined. */
export function gameOf(rom: Uint8Array): GameCode | undefined {
  if (rom.length < 0x150) return undefined;
  const title = romTitle(rom).toUpperCase();
  return GAMES.find((g) => g.titles.includes(title));
}

/** Finds the three tables, or undefined when this is not a ROM whose code we know. */
export function findMapTables(rom: Uint8Array): MapTables | undefined {
  const code = gameOf(rom);
  if (!code) return undefined;
  const headerBanks = findOperand(rom, code.headerBanks);
  const headerPointers = findOperand(rom, code.headerPointers);
  const tilesets = findOperand(rom, code.tilesets);
  if (!headerBanks || !headerPointers || !tilesets) return undefined;
  return { game: code.game, headerBanks, headerPointers, tilesets, mapCount: code.mapCount, tilesetCount: code.tilesetCount };
}

interface CompiledPattern {
  bytes: (number | undefined)[];
  bank: number;
  lo: number;
  hi: number;
}

function compile(pattern: Pattern): CompiledPattern {
  const tokens = pattern.split(' ');
  return {
    bytes: tokens.map((t) => (/^[0-9A-F]{2}$/.test(t) ? Number.parseInt(t, 16) : undefined)),
    bank: tokens.indexOf('bk'),
    lo: tokens.indexOf('lo'),
    hi: tokens.indexOf('hi'),
  };
}

/**
 * The far pointer the one match of `pattern` in `rom` loads, or undefined when it matches zero
 * or several times (then we cannot tell which is the table).
 */
export function findOperand(rom: Uint8Array, pattern: Pattern): FarPointer | undefined {
  const p = compile(pattern);
  const first = p.bytes[0]!;
  let found: FarPointer | undefined;
  for (let i = rom.indexOf(first); i >= 0 && i + p.bytes.length <= rom.length; i = rom.indexOf(first, i + 1)) {
    if (!p.bytes.every((b, k) => b === undefined || rom[i + k] === b)) continue;
    if (found) return undefined;
    const address = rom[i + p.lo]! | (rom[i + p.hi]! << 8);
    const bank = address < BANK_BYTES ? 0 : p.bank >= 0 ? rom[i + p.bank]! : Math.floor(i / BANK_BYTES);
    found = { bank, address };
  }
  return found;
}
