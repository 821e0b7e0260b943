/**
 * Builds gbstream's embedded demo ROM: assembles demo.asm and adds the cartridge header.
 *
 * Layout of the 32 KiB "ROM only" image:
 *   $0000-$00FF  interrupt vectors (from demo.asm)
 *   $0100-$014F  header, written here: entry point, logo, title, flags, checksums
 *   $0150-...    program and data (from demo.asm)
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assembleProgram } from './asm.js';
import { headerChecksum } from '../../src/rom/header.js';

export const ROM_SIZE = 0x8000;
export const TITLE = 'GBSTREAM DEMO';

/** The logo bitmap every cartridge carries at $0104-$0133 (checked by the real boot ROM). */
export const NINTENDO_LOGO = Uint8Array.from([
  0xce, 0xed, 0x66, 0x66, 0xcc, 0x0d, 0x00, 0x0b, 0x03, 0x73, 0x00, 0x83, 0x00, 0x0c, 0x00, 0x0d,
  0x00, 0x08, 0x11, 0x1f, 0x88, 0x89, 0x00, 0x0e, 0xdc, 0xcc, 0x6e, 0xe6, 0xdd, 0xdd, 0xd9, 0x99,
  0xbb, 0xbb, 0x67, 0x63, 0x6e, 0x0e, 0xec, 0xcc, 0xdd, 0xdc, 0x99, 0x9f, 0xbb, 0xb9, 0x33, 0x3e,
]);

/** Header checksum at $014D: one implementation, shared with the ROM loader. */
export { headerChecksum };

/** Global checksum at $014E-$014F (big-endian): sum of every byte except those two. */
export function globalChecksum(rom: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < rom.length; i++) if (i !== 0x14e && i !== 0x14f) sum = (sum + (rom[i] ?? 0)) & 0xffff;
  return sum;
}

/**
 * Path of demo.asm. The source ships next to the ROM it builds (src/demo/); this tool does not.
 * Two levels up from tools/demo/ (run by vitest) and from tools/.build/ (bundled by demo:build).
 */
export function demoSourcePath(): string {
  const candidates = ['../../src/demo/demo.asm'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`demo.asm not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Read the demo's assembly source. */
export function readDemoSource(): string {
  return readFileSync(demoSourcePath(), 'utf8');
}

/** Assemble `source` (default: demo.asm) into a complete 32 KiB CGB ROM image. */
export function buildDemoRom(source: string = readDemoSource()): Uint8Array {
  const { image: rom, written, symbols } = assembleProgram(source, { size: ROM_SIZE, fill: 0xff });
  for (let i = 0x100; i < 0x150; i++) {
    if (written[i]) throw new Error(`demo.asm writes into the cartridge header at $${i.toString(16)}`);
  }
  const start = symbols.get('start');
  if (start === undefined) throw new Error('demo.asm must define a "start" label');

  // $0100: entry point: nop; jp start
  rom.set([0x00, 0xc3, start & 0xff, start >> 8], 0x100);
  rom.set(NINTENDO_LOGO, 0x104);
  // $0134-$0142: title, zero padded (15 bytes because $0143 is the CGB flag)
  if (TITLE.length > 15) throw new Error('title too long');
  rom.fill(0, 0x134, 0x143);
  for (let i = 0; i < TITLE.length; i++) rom[0x134 + i] = TITLE.charCodeAt(i);
  rom[0x143] = 0x80; // CGB flag: CGB-enhanced, also runs on DMG (emulators start in CGB mode)
  rom[0x144] = 0x00; // new licensee code: none
  rom[0x145] = 0x00;
  rom[0x146] = 0x00; // no SGB functions
  rom[0x147] = 0x00; // cartridge type: ROM only
  rom[0x148] = 0x00; // ROM size: 32 KiB, no banking
  rom[0x149] = 0x00; // RAM size: none
  rom[0x14a] = 0x01; // destination: overseas
  rom[0x14b] = 0x00; // old licensee code: none
  rom[0x14c] = 0x00; // version
  rom[0x14d] = headerChecksum(rom);
  const global = globalChecksum(rom);
  rom[0x14e] = global >> 8;
  rom[0x14f] = global & 0xff;
  return rom;
}
