/**
 * Bus reads on gambatte honour every bank register: a tiny hand-assembled CGB ROM (MBC5, 64 KiB
 * ROM, 32 KiB cartridge RAM) writes a different byte into several banks and leaves others
 * switched in; each read must show what the CPU would see now.
 */
import { describe, expect, it } from 'vitest';
import { LibretroEmulator } from '../src/emulator/libretro.js';
import { GAMBATTE, hasGambatte } from './helpers/gambatte.js';

function bankTestRom(): Uint8Array {
  const rom = new Uint8Array(0x10000);
  rom.set([0x00, 0xc3, 0x50, 0x01], 0x100); // nop; jp 0x0150
  rom.set([...'BANKTEST'].map((c) => c.charCodeAt(0)), 0x134);
  rom[0x143] = 0x80; // CGB
  rom[0x147] = 0x1b; // MBC5 + RAM + battery
  rom[0x148] = 0x01; // 64 KiB ROM (4 banks)
  rom[0x149] = 0x03; // 32 KiB cartridge RAM (4 banks)
  for (let bank = 1; bank < 4; bank++) rom[bank * 0x4000] = 0x70 + bank; // a marker at each bank's start
  // prettier-ignore
  rom.set([
    0x3e, 0x02, 0xe0, 0x70, 0x3e, 0x22, 0xea, 0x00, 0xd0, // SVBK=2; [D000]=0x22
    0x3e, 0x03, 0xe0, 0x70, 0x3e, 0x33, 0xea, 0x00, 0xd0, // SVBK=3; [D000]=0x33 (bank 3 stays in)
    0x3e, 0x44, 0xe0, 0x80,                               // [FF80]=0x44 (HRAM)
    0x3e, 0x0a, 0xea, 0x00, 0x00,                         // enable cartridge RAM
    0x3e, 0x00, 0xea, 0x00, 0x40, 0x3e, 0x55, 0xea, 0x00, 0xa0, // RAM bank 0: [A000]=0x55
    0x3e, 0x01, 0xea, 0x00, 0x40, 0x3e, 0x66, 0xea, 0x00, 0xa0, // RAM bank 1: [A000]=0x66 (stays in)
    0x3e, 0x03, 0xea, 0x00, 0x20,                         // ROM bank 3 at 0x4000
    0x18, 0xfe,                                           // jr $ (forever)
  ], 0x150);
  return rom;
}

describe.skipIf(!hasGambatte)('gambatte bus reads through the bank registers', () => {
  it('reads the switched-in WRAM, ROM and cartridge RAM banks, HRAM and SVBK', () => {
    const emu = new LibretroEmulator(GAMBATTE!, bankTestRom());
    emu.run([], 10);
    expect(emu.cgb).toBe(true);
    expect(emu.readByte(0xff70)).toBe(0xf8 | 3); // SVBK, unused bits read as 1
    expect(emu.readByte(0xd000)).toBe(0x33); // bank 3 is switched in
    expect(emu.readWramBank(2, 0xd000)).toBe(0x22);
    expect(emu.readWramBank(3, 0xd000)).toBe(0x33);
    expect(emu.readByte(0xf000)).toBe(0x33); // echo of 0xD000
    expect(emu.readByte(0xff80)).toBe(0x44);
    expect(emu.readByte(0x4000)).toBe(0x73); // ROM bank 3's marker
    expect(emu.readByte(0x0000)).toBe(0x00); // bank 0 stays at 0x0000
    expect(emu.readByte(0xa000)).toBe(0x66); // cartridge RAM bank 1
    emu.close();
  });
});
