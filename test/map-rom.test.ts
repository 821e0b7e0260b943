/**
 * src/map/rom/: ROM → tables → map header → blocks → tiles → pixels. On a synthetic ROM laid out
 * as Red/Blue (test/helpers/fake-pokemon-rom.ts) and, where the package ships it, on Pokémon
 * Yellow itself (node_modules/serverboy/roms/pokeyellow.gbc). Nothing drawn is written to disk.
 */
import { existsSync, readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { loadLayout, parseLayout } from '../src/map/layout.js';
import { formatPointer, readU16, romOffset } from '../src/map/rom/banked.js';
import { readMapHeader, readTilesetHeader } from '../src/map/rom/map-data.js';
import { decode2bpp, renderMap, renderWorld, STEP_PX } from '../src/map/rom/render.js';
import { findMapTables, findOperand } from '../src/map/rom/tables.js';
import { DMG_SHADES, encodeWorldPng } from '../src/map/rom/world-png.js';
import { LAYOUTS_DIR } from '../src/paths.js';
import { FAKE_MAP0, fakeRedRom } from './helpers/fake-pokemon-rom.js';
import { codeOf } from './helpers/code-of.js';

const YELLOW = 'node_modules/serverboy/roms/pokeyellow.gbc';
const BLARGG = 'node_modules/serverboy/roms/blargg_tests/cpu_instrs.gb';


describe('banked reads', () => {
  const rom = new Uint8Array(0x10000);
  it('maps bank 0 and switchable addresses to file offsets', () => {
    expect(romOffset(rom, { bank: 0, address: 0x0150 }, 1, 'x')).toBe(0x150);
    expect(romOffset(rom, { bank: 3, address: 0x4001 }, 1, 'x')).toBe(0xc001);
    rom.set([0x34, 0x12], 0x8002);
    expect(readU16(rom, { bank: 2, address: 0x4002 }, 'x')).toBe(0x1234);
    expect(formatPointer({ bank: 0x3f, address: 0x41f2 })).toBe('3F:41F2');
  });

  it('refuses pointers past the ROM, into RAM, across a bank end, or bank 0 for 4000–7FFF', () => {
    expect(codeOf(() => romOffset(rom, { bank: 4, address: 0x4000 }, 1, 'x'))).toBe('GBS_ERR_MAP_ROM_DATA');
    expect(codeOf(() => romOffset(rom, { bank: 1, address: 0xc000 }, 1, 'x'))).toBe('GBS_ERR_MAP_ROM_DATA');
    expect(codeOf(() => romOffset(rom, { bank: 1, address: 0x7fff }, 2, 'x'))).toBe('GBS_ERR_MAP_ROM_DATA');
    expect(codeOf(() => romOffset(rom, { bank: 0, address: 0x4000 }, 1, 'x'))).toBe('GBS_ERR_MAP_ROM_DATA');
    expect(codeOf(() => romOffset(rom, { bank: 1, address: 0x3fff }, 2, 'x'))).toBe('GBS_ERR_MAP_ROM_DATA');
  });
});

describe('finding the tables by the code that reads them', () => {
  it('takes the operand of the one match; none or two matches find nothing', () => {
    const rom = new Uint8Array(0x8000);
    rom.set([0x3e, 0x07, 0xcd, 1, 2, 0x21, 0x34, 0x52, 0x09, 0x7e], 0x100);
    const pattern = '3E bk CD .. .. 21 lo hi 09 7E';
    expect(findOperand(rom, pattern)).toEqual({ bank: 7, address: 0x5234 });
    rom.set([0x3e, 0x07, 0xcd, 1, 2, 0x21, 0x34, 0x52, 0x09, 0x7e], 0x200);
    expect(findOperand(rom, pattern)).toBeUndefined();
    expect(findOperand(new Uint8Array(0x8000), pattern)).toBeUndefined();
  });

  it('a table without a bank operand is in the bank its code is in', () => {
    const rom = new Uint8Array(0x10000);
    rom.set([0xfa, 0, 0, 0x87, 0x87, 0x5f, 0x21, 0x58, 0x45, 0x19, 0x19, 0x19], 3 * 0x4000 + 0x10);
    expect(findOperand(rom, 'FA .. .. 87 87 5F 21 lo hi 19 19 19')).toEqual({ bank: 3, address: 0x4558 });
  });

  it('a ROM that is not Pokémon Red/Blue/Yellow has no tables (and no error)', () => {
    expect(findMapTables(readFileSync(BLARGG))).toBeUndefined();
    expect(findMapTables(new Uint8Array(16))).toBeUndefined();
    const renamed = fakeRedRom();
    renamed.set(Buffer.from('POKEMON GREEN', 'latin1'), 0x134);
    expect(findMapTables(renamed)).toBeUndefined();
  });
});

describe('a Red/Blue-shaped ROM', () => {
  const rom = fakeRedRom();
  const tables = findMapTables(rom)!;

  it('is found by the Red/Blue code', () => {
    expect(tables).toMatchObject({ game: 'red-blue', headerPointers: { bank: 0, address: 0x0200 }, headerBanks: { bank: 1, address: 0x4000 }, tilesets: { bank: 1, address: 0x4100 } });
  });

  it('reads a map header, its blocks and its tileset', () => {
    const map = readMapHeader(rom, tables, 0);
    expect(map).toMatchObject({ tileset: 0, width: FAKE_MAP0.width, height: FAKE_MAP0.height });
    expect([...map.blocks]).toEqual(FAKE_MAP0.blocks);
    expect(readTilesetHeader(rom, tables, 0)).toEqual({ id: 0, bank: 3, blockSet: { bank: 3, address: 0x4000 }, gfx: { bank: 3, address: 0x4100 } });
  });

  it('draws blocks of 4×4 tiles, 32 px a block', () => {
    const image = renderMap(rom, tables, 0);
    expect([image.width, image.height]).toEqual([32, 64]);
    // Block 1 (top): tile t at (t % 4, t / 4) has colour t % 4. Block 0 (bottom): all tile 0 = colour 0.
    for (let t = 0; t < 16; t++) expect(image.pixels[((t >> 2) * 8 + 3) * 32 + (t & 3) * 8 + 5]).toBe(t % 4);
    expect(image.pixels.subarray(32 * 32).every((p) => p === 0)).toBe(true);
  });

  it('a corrupt pointer stops that map with a coded error naming it; the other maps are drawn', () => {
    expect(codeOf(() => readMapHeader(rom, tables, 1))).toBe('GBS_ERR_MAP_ROM_DATA');
    expect(codeOf(() => readMapHeader(rom, tables, 248))).toBe('GBS_ERR_MAP_ROM_DATA');
    const layout = parseLayout({ columns: ['mapId', 'name', 'x', 'y', 'width', 'height'], rows: [[-1, 'W', 0, 0, 6, 6], [0, 'A', 1, 1, 2, 4], [1, 'B', 4, 0, 2, 2]] }, 'w');
    const world = renderWorld(rom, tables, layout);
    expect(world.drawn).toEqual([0]);
    expect(world.failed).toEqual([{ mapId: 1, message: expect.stringMatching(/^map 1's header at 02:4100 names tileset 200; the game has 24$/) }]);
    expect([world.width, world.height]).toEqual([6 * STEP_PX, 6 * STEP_PX]);
    expect(world.pixels[0]).toBe(0); // no map: transparent
    expect(world.pixels[(16 + 3) * world.width + 16 + 8 + 5]).toBe(1 + 1); // map 0's tile 1 at (1, 1) cells, shade 1 + 1
  });
});

describe('2bpp tiles', () => {
  it('low plane is bit 0, high plane bit 1, leftmost pixel in bit 7', () => {
    const tile = new Uint8Array(16);
    tile.set([0x80, 0x00, 0x00, 0x80, 0x80, 0x80, 0xff, 0x00]);
    const px = decode2bpp(tile);
    expect([px[0], px[1], px[8], px[16], px[24], px[31]]).toEqual([1, 0, 2, 3, 1, 1]);
    expect(decode2bpp(new Uint8Array(31)).length).toBe(64);
  });
});

describe('the world PNG', () => {
  it('is a palette PNG: index 0 transparent, 1–4 the DMG shades', () => {
    const pixels = new Uint8Array([0, 1, 2, 3, 4, 0, 4, 1, 2]);
    const png = PNG.sync.read(encodeWorldPng({ width: 3, height: 3, pixels }));
    expect([png.width, png.height]).toEqual([3, 3]);
    for (let i = 0; i < 9; i++) {
      const rgba = [...png.data.subarray(i * 4, i * 4 + 4)];
      expect(rgba).toEqual(pixels[i] === 0 ? [0, 0, 0, 0] : [...DMG_SHADES[pixels[i]! - 1]!, 255]);
    }
  });
});

describe.skipIf(!existsSync(YELLOW))('Pokémon Yellow', () => {
  const rom = existsSync(YELLOW) ? new Uint8Array(readFileSync(YELLOW)) : new Uint8Array(0);

  it('finds its tables by the Yellow code', () => {
    expect(findMapTables(rom)).toMatchObject({ game: 'yellow', headerBanks: { bank: 0x3f }, headerPointers: { bank: 0x3f }, tilesets: { bank: 3 } });
  });

  it('reads Pallet Town (10×9 blocks, overworld tileset) and the player\'s room (4×4, tileset 4)', () => {
    const tables = findMapTables(rom)!;
    expect(readMapHeader(rom, tables, 0)).toMatchObject({ tileset: 0, width: 10, height: 9 });
    expect(readMapHeader(rom, tables, 0x26)).toMatchObject({ tileset: 4, width: 4, height: 4 });
  });

  it('draws every map of the Kanto layout; the unused map 0x0B is refused, not drawn', async () => {
    const tables = findMapTables(rom)!;
    const layout = await loadLayout(`${LAYOUTS_DIR}/kanto-map-layout.json`);
    const world = renderWorld(rom, tables, layout);
    expect(world.failed).toEqual([]);
    expect(world.drawn.length).toBe(layout.regions.size - 1);
    expect(codeOf(() => readMapHeader(rom, tables, 0x0b))).toBe('GBS_ERR_MAP_ROM_DATA');
  });
});
