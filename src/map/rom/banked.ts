/**
 * Reading a Game Boy ROM the way its CPU sees it: a 16-bit address in 0x0000–0x3FFF is bank 0,
 * one in 0x4000–0x7FFF is in whichever bank is switched in. Every read is checked, and a pointer
 * that leaves the ROM or its bank is a `GbsError` `GBS_ERR_MAP_ROM_DATA` naming what was read.
 */
import { ErrorCode } from '../../protocol/constants.js';
import { GbsError } from '../../protocol/errors.js';

export const BANK_BYTES = 0x4000;

/** A banked address, as the game's pointer tables give them (`db BANK(x)` + `dw x`). */
export interface FarPointer {
  bank: number;
  address: number;
}

export function romDataError(message: string): GbsError {
  return new GbsError(ErrorCode.MapRomData, message);
}

/** `bank:address` as the disassemblies write it, e.g. `3F:41F2`. */
export function formatPointer(p: FarPointer): string {
  const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, '0');
  return `${hex(p.bank, 2)}:${hex(p.address, 4)}`;
}

/**
 * File offset of `length` bytes at `p`. The span must stay inside one bank, as the game reads it.
 * @throws GbsError GBS_ERR_MAP_ROM_DATA quoting the pointer and `what`
 */
export function romOffset(rom: Uint8Array, p: FarPointer, length: number, what: string): number {
  const inBank0 = p.address < BANK_BYTES;
  const bad = (why: string) => romDataError(`${what} at ${formatPointer(p)} ${why}`);
  if (!Number.isInteger(p.address) || p.address < 0 || p.address + length > 2 * BANK_BYTES) throw bad('is not a ROM address (0000–7FFF)');
  if (inBank0 ? p.address + length > BANK_BYTES : p.bank < 1) throw bad('crosses a bank boundary or names bank 0 for a switchable address');
  const offset = inBank0 ? p.address : p.bank * BANK_BYTES + (p.address - BANK_BYTES);
  if (offset + length > rom.length) throw bad(`is past the end of the ${rom.length}-byte ROM`);
  return offset;
}

export function readU8(rom: Uint8Array, p: FarPointer, what: string): number {
  return rom[romOffset(rom, p, 1, what)]!;
}

/** Little-endian, as `dw` stores it. */
export function readU16(rom: Uint8Array, p: FarPointer, what: string): number {
  const o = romOffset(rom, p, 2, what);
  return rom[o]! | (rom[o + 1]! << 8);
}

/** A view of `length` bytes at `p` (no copy). */
export function readBytes(rom: Uint8Array, p: FarPointer, length: number, what: string): Uint8Array {
  const o = romOffset(rom, p, length, what);
  return rom.subarray(o, o + length);
}
