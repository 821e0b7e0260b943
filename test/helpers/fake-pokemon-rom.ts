/**
 * A 64 KiB ROM laid out the way Pokémon Red/Blue's code and tables are (pret/pokered), holding
 * two maps, so the Red/Blue path of src/map/rom/ runs without a Red ROM (none ships here):
 *
 *   bank 0  title "POKEMON RED"; SwitchToMapRomBank's and LoadMapHeader's instruction bytes;
 *           MapHeaderPointers at 0x0200 (dw per map)
 *   bank 1  MapHeaderBanks at 0x4000 (db per map); LoadTilesetHeader's bytes; Tilesets at 0x4100
 *   bank 2  map 0's header (tileset 0, 1×2 blocks) and blocks [1, 0]
 *   bank 3  tileset 0: block set (block 0 all tile 0, block 1 tiles 0–15) and 16 tiles, tile t
 *           filled with colour t % 4
 *
 * Map 1's header pointer leads to bytes that name tileset 200 (a corrupt pointer).
 */
const BANK = 0x4000;

export const FAKE_MAP0 = { width: 1, height: 2, blocks: [1, 0] };

export function fakeRedRom(): Uint8Array {
  const rom = new Uint8Array(4 * BANK);
  rom.set(Buffer.from('POKEMON RED', 'latin1'), 0x134);
  rom[0x147] = 0x13; // MBC3+RAM+BATTERY, as Red
  rom[0x148] = 0x01; // 64 KiB
  // SwitchToMapRomBank: ld a, BANK(MapHeaderBanks)=1; call …; ld hl, 0x4000; add hl, bc; ld a, [hl]
  rom.set([0x3e, 0x01, 0xcd, 0x00, 0x00, 0x21, 0x00, 0x40, 0x09, 0x7e], 0x1000);
  // LoadMapHeader: ld hl, 0x0200; ld a, [wCurMap]; sla a; jr nc, +1; inc h; add l; ld l, a
  rom.set([0x21, 0x00, 0x02, 0xfa, 0x5e, 0xd3, 0xcb, 0x27, 0x30, 0x01, 0x24, 0x85, 0x6f], 0x1100);
  // MapHeaderPointers: map 0 → 0x4000 (bank 2), map 1 → 0x4100 (bank 2)
  rom.set([0x00, 0x40, 0x00, 0x41], 0x0200);
  // MapHeaderBanks (bank 1, 0x4000)
  rom.set([2, 2], BANK + 0x0000);
  // LoadTilesetHeader (bank 1): … ld e, a; ld hl, 0x4100; add hl, de
  rom.set([0x87, 0x87, 0x47, 0x87, 0x80, 0x30, 0x01, 0x14, 0x5f, 0x21, 0x00, 0x41, 0x19], BANK + 0x0050);
  // Tilesets[0] (bank 1, 0x4100): bank 3, blocks 0x4000, gfx 0x4100, coll 0x4000
  rom.set([3, 0x00, 0x40, 0x00, 0x41, 0x00, 0x40, 0xff, 0xff, 0xff, 0xff, 0x00], BANK + 0x0100);
  // Map 0 header (bank 2, 0x4000): tileset 0, height 2, width 1, blocks at 0x4020
  rom.set([0, FAKE_MAP0.height, FAKE_MAP0.width, 0x20, 0x40, 0, 0, 0, 0, 0], 2 * BANK);
  rom.set(FAKE_MAP0.blocks, 2 * BANK + 0x20);
  // Map 1 header (bank 2, 0x4100): tileset 200
  rom.set([200, 1, 1, 0x20, 0x40], 2 * BANK + 0x100);
  // Block set (bank 3, 0x4000): block 0 = tile 0 ×16, block 1 = tiles 0..15
  rom.set(Array.from({ length: 16 }, (_, i) => i), 3 * BANK + 16);
  // Tiles (bank 3, 0x4100): tile t is colour t % 4 everywhere (low plane bit 0, high plane bit 1)
  for (let t = 0; t < 16; t++) {
    const c = t % 4;
    for (let row = 0; row < 8; row++) rom.set([c & 1 ? 0xff : 0, c & 2 ? 0xff : 0], 3 * BANK + 0x100 + t * 16 + row * 2);
  }
  return rom;
}
