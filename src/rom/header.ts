/**
 * Pure parsing of the Game Boy cartridge header (0x100–0x14F).
 * Reference: Pan Docs, "The Cartridge Header".
 */
import type { RomInfo } from '../protocol/messages.js';

export const HEADER_END = 0x150;
export const TITLE_START = 0x134;
export const CGB_FLAG = 0x143;
export const CARTRIDGE_TYPE = 0x147;
export const HEADER_CHECKSUM = 0x14d;

const CARTRIDGE_NAMES: Record<number, string> = {
  0x00: 'ROM ONLY',
  0x01: 'MBC1',
  0x02: 'MBC1+RAM',
  0x03: 'MBC1+RAM+BATTERY',
  0x05: 'MBC2',
  0x06: 'MBC2+BATTERY',
  0x08: 'ROM+RAM',
  0x09: 'ROM+RAM+BATTERY',
  0x0f: 'MBC3+TIMER+BATTERY',
  0x10: 'MBC3+TIMER+RAM+BATTERY',
  0x11: 'MBC3',
  0x12: 'MBC3+RAM',
  0x13: 'MBC3+RAM+BATTERY',
  0x19: 'MBC5',
  0x1a: 'MBC5+RAM',
  0x1b: 'MBC5+RAM+BATTERY',
  0x1c: 'MBC5+RUMBLE',
  0x1d: 'MBC5+RUMBLE+RAM',
  0x1e: 'MBC5+RUMBLE+RAM+BATTERY',
  0x22: 'MBC7+SENSOR+RUMBLE+RAM+BATTERY',
  0xfc: 'POCKET CAMERA',
  0xfe: 'HuC3',
  0xff: 'HuC1+RAM+BATTERY',
};

/** Header checksum over 0x134–0x14C, as the boot ROM computes it. */
export function headerChecksum(rom: Uint8Array): number {
  let x = 0;
  for (let i = TITLE_START; i < HEADER_CHECKSUM; i++) x = (x - rom[i]! - 1) & 0xff;
  return x;
}

/**
 * The title: bytes 0x134.. up to the first NUL. On CGB-era carts the last bytes of the title
 * area hold the manufacturer code and CGB flag, so stop at 0x143 when that flag is set.
 */
export function romTitle(rom: Uint8Array): string {
  const cgbFlag = rom[CGB_FLAG]! & 0x80;
  const end = cgbFlag ? CGB_FLAG : 0x144;
  let title = '';
  for (let i = TITLE_START; i < end; i++) {
    const c = rom[i]!;
    if (c === 0) break;
    title += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?';
  }
  return title.trimEnd();
}

/** Header facts; `sha1` and `size` are filled in by the loader. */
export function parseHeader(rom: Uint8Array): Omit<RomInfo, 'sha1' | 'size'> {
  const flag = rom[CGB_FLAG]!;
  const type = rom[CARTRIDGE_TYPE]!;
  return {
    title: romTitle(rom),
    cgb: flag === 0xc0 ? 'cgb-only' : flag === 0x80 ? 'cgb-enhanced' : 'dmg',
    cartridgeType: type,
    cartridgeName: CARTRIDGE_NAMES[type] ?? `unknown (0x${type.toString(16).padStart(2, '0')})`,
    headerChecksumOk: headerChecksum(rom) === rom[HEADER_CHECKSUM],
  };
}
