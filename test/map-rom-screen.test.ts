/**
 * The background drawn from the ROM equals the game's own screen. Pokémon Yellow (shipped inside
 * the serverboy package) runs on gambatte from power-on with a scripted input log — A tapped
 * (2 frames of every 8) through the title, Oak's speech and both naming screens (mashing A names
 * both "AAAAAAA" and ends on "ED"), then B to close the last text box, then nothing — until the
 * player stands in their room (map 0x26, REDS_HOUSE_2F) at (3, 6). The emulator's screen is then
 * compared with src/map/rom/'s picture of that map around the player:
 *
 * - the player stands at step (4, 4) of the 10×9-step screen, so screen pixel (0, 0) is map
 *   pixel ((x − 4) × 16, (y − 4) × 16); only pixels inside the map are compared (outside, the
 *   game draws its border block, which the world picture leaves out);
 * - sprites are masked: every pixel under a visible OAM entry is skipped;
 * - palette: the core runs Yellow in Game Boy Color mode, which paints the room with one CGB
 *   palette; "exact after the palette mapping" means every pixel of DMG shade s shows one and
 *   the same colour c(s), and the four shades show four different colours. One wrong tile, a
 *   shifted block or a misread block set breaks that.
 *
 * gambatte, not serverboy: the intro is 20,000 frames, which serverboy runs at ~70 frames/s on a
 * loaded 2-core machine; the test is skipped (with the reason) where gambatte is not installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LibretroEmulator } from '../src/emulator/libretro.js';
import { readMapHeader } from '../src/map/rom/map-data.js';
import { renderMap, STEP_PX } from '../src/map/rom/render.js';
import { findMapTables } from '../src/map/rom/tables.js';
import type { Button } from '../src/protocol/messages.js';
import { GAMBATTE, hasGambatte } from './helpers/gambatte.js';

const YELLOW = 'node_modules/serverboy/roms/pokeyellow.gbc';
/** Yellow's wCurMap, wYCoord, wXCoord (roms.example/pokemon-yellow.json). */
const CUR_MAP = 0xd35d;
const Y_COORD = 0xd360;
const X_COORD = 0xd361;
const REDS_HOUSE_2F = 0x26;
const W = 160;
const H = 144;

/** The input log: [frames, buttons] spans, played in order from power-on. */
function inputLog(): Array<[number, Button[]]> {
  const log: Array<[number, Button[]]> = [];
  for (let i = 0; i < 2500; i++) log.push([2, ['a']], [6, []]); // 20,000 frames of A taps
  log.push([120, []]);
  for (let i = 0; i < 3; i++) log.push([2, ['b']], [40, []]); // close "… is playing the SNES!"
  log.push([300, []]);
  return log;
}

/** Screen pixels covered by a visible sprite (OAM y/x are offset by 16/8; 8×16 or 8×8 by LCDC bit 2). */
function spriteMask(emu: LibretroEmulator): Uint8Array {
  const mask = new Uint8Array(W * H);
  const tall = (emu.readByte(0xff40) & 0x04) !== 0;
  for (let i = 0; i < 40; i++) {
    const sy = emu.readByte(0xfe00 + i * 4) - 16;
    const sx = emu.readByte(0xfe00 + i * 4 + 1) - 8;
    for (let y = sy; y < sy + (tall ? 16 : 8); y++) {
      for (let x = sx; x < sx + 8; x++) if (x >= 0 && y >= 0 && x < W && y < H) mask[y * W + x] = 1;
    }
  }
  return mask;
}

describe.skipIf(!hasGambatte || !existsSync(YELLOW))('the background drawn from the ROM', () => {
  it("equals Yellow's own screen around the player (sprites masked, one CGB palette mapped to the four DMG shades)", () => {
    const rom = new Uint8Array(readFileSync(YELLOW));
    const emu = new LibretroEmulator(GAMBATTE!, rom);
    try {
      for (const [frames, buttons] of inputLog()) emu.run(buttons, frames);
      const [map, px, py] = [emu.readByte(CUR_MAP), emu.readByte(X_COORD), emu.readByte(Y_COORD)];
      expect({ map, x: px, y: py }).toEqual({ map: REDS_HOUSE_2F, x: 3, y: 6 });
      const screen = emu.screenRgb();
      const mask = spriteMask(emu);

      const tables = findMapTables(rom)!;
      const drawn = renderMap(rom, tables, REDS_HOUSE_2F);
      expect(readMapHeader(rom, tables, REDS_HOUSE_2F)).toMatchObject({ width: 4, height: 4 });
      const ox = (px - 4) * STEP_PX;
      const oy = (py - 4) * STEP_PX;

      const colourOf = new Map<number, string>();
      const mismatches: string[] = [];
      let compared = 0;
      let masked = 0;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const mx = x + ox;
          const my = y + oy;
          if (mx < 0 || my < 0 || mx >= drawn.width || my >= drawn.height) continue;
          if (mask[y * W + x]) {
            masked++;
            continue;
          }
          const shade = drawn.pixels[my * drawn.width + mx]!;
          const o = (y * W + x) * 3;
          const rgb = `${screen[o]},${screen[o + 1]},${screen[o + 2]}`;
          const known = colourOf.get(shade);
          if (known === undefined) colourOf.set(shade, rgb);
          else if (known !== rgb && mismatches.length < 5) mismatches.push(`screen (${x}, ${y}) = map (${mx}, ${my}): shade ${shade} is ${rgb} here, ${known} elsewhere`);
          compared++;
        }
      }
      expect(mismatches).toEqual([]);
      // The comparison covered the whole visible part of the room (8 × 6 steps) less the player.
      expect(compared + masked).toBe(8 * 16 * 6 * 16);
      expect(masked).toBeGreaterThan(0);
      expect(masked).toBeLessThan(4 * 16 * 16);
      // Four shades seen, four distinct colours, lightest for shade 0 and darkest for shade 3.
      expect(colourOf.size).toBe(4);
      expect(new Set(colourOf.values()).size).toBe(4);
      const luma = (s: number) => colourOf.get(s)!.split(',').map(Number).reduce((a, b) => a + b, 0);
      expect(luma(0)).toBeGreaterThan(luma(1));
      expect(luma(1)).toBeGreaterThan(luma(2));
      expect(luma(2)).toBeGreaterThan(luma(3));
    } finally {
      emu.close();
    }
  }, 120_000);
});
