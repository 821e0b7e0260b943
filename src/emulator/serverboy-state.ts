/**
 * serverboy's save state as bytes. The core's own `saveState()` is an array of ~200 entries:
 * numbers, booleans, strings and plain arrays (memory, VRAM, CGB WRAM, MBC RAM: one JS number per
 * byte). msgpack keeps the entries; byte arrays become msgpack bin, so 64 KiB of memory is 64 KiB
 * of state rather than 64K tagged numbers.
 *
 * The ROM is entry 0 of serverboy's state (1–2 MB on commercial games). It is left out: a state
 * is only ever loaded into an emulator running the same ROM, which supplies it again, and a
 * fingerprint of the ROM (size + header checksums) refuses a state from another game.
 */
import { decode, encode } from '@msgpack/msgpack';
import { EmulatorFault } from './emulator.js';

const FORMAT = 'gbstream-serverboy-state/1';
const ROM_ENTRY = 0;
/** Byte arrays shorter than this stay plain arrays (their msgpack ints are no larger). */
const MIN_BIN = 16;

interface StateFile {
  format: typeof FORMAT;
  frame: number;
  rom: string;
  core: unknown[];
  /**
   * The last finished frame (RGB): serverboy's own state leaves its screen buffer out, so without
   * it a loaded state would show the picture from before the load until the next frame.
   */
  screen?: Uint8Array;
}

/** Size and the header/global checksums (0x14D–0x14F): cheap, and different for every real ROM. */
function romFingerprint(rom: Uint8Array): string {
  return `${rom.length}:${rom[0x14d] ?? 0}:${rom[0x14e] ?? 0}:${rom[0x14f] ?? 0}`;
}

function isByteArray(value: unknown): value is number[] {
  if (!Array.isArray(value) || value.length < MIN_BIN) return false;
  for (const x of value) if (typeof x !== 'number' || (x & 0xff) !== x) return false;
  return true;
}

export function encodeServerboyState(frame: number, core: unknown[], rom: Uint8Array, screen?: Uint8Array): Uint8Array {
  const packed = core.map((entry, i) => (i === ROM_ENTRY ? [] : isByteArray(entry) ? Uint8Array.from(entry) : entry));
  const file: StateFile = { format: FORMAT, frame, rom: romFingerprint(rom), core: packed, screen };
  return encode(file, { ignoreUndefined: true });
}

/** @throws EmulatorFault when the bytes are not a serverboy state of this ROM. */
export function decodeServerboyState(bytes: Uint8Array, rom: Uint8Array): { frame: number; core: unknown[]; screen?: Uint8Array } {
  let file: Partial<StateFile>;
  try {
    file = decode(bytes) as Partial<StateFile>;
  } catch (err) {
    throw new EmulatorFault(`not a serverboy save state: ${(err as Error).message}`);
  }
  if (typeof file !== 'object' || file === null || file.format !== FORMAT || !Array.isArray(file.core) || typeof file.frame !== 'number') {
    throw new EmulatorFault(`not a serverboy save state (expected format ${FORMAT})`);
  }
  if (file.rom !== romFingerprint(rom)) {
    throw new EmulatorFault(`save state is of another ROM (${String(file.rom)}, this one is ${romFingerprint(rom)})`);
  }
  const core = file.core.map((entry, i) => (i === ROM_ENTRY ? Array.from(rom) : entry instanceof Uint8Array ? Array.from(entry) : entry));
  return { frame: file.frame, core, screen: file.screen instanceof Uint8Array ? file.screen : undefined };
}
