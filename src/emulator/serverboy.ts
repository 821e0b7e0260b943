/**
 * Adapter over `serverboy`: load, step one video frame, hold buttons, read memory through the bus.
 *
 * serverboy quirks handled here (see ../../shared/DESIGN.md §2):
 * - Settings are one module-level array shared by every instance; index 0 is sound, index 6 the
 *   length of one `doFrame()` in ms. Its default of 8 ms is not a video frame, so we set it to
 *   exactly 70,224 CPU cycles (one LCD frame at 4,194,304 Hz): then one `step()` is one frame.
 * - `getMemory()` is the raw 64 KiB array. On CGB games banked regions (WRAM 0xD000–0xDFFF, VRAM,
 *   cartridge RAM) are not in it, so game state is read through `core.memoryRead(address)`.
 * - The core is kept under a private key that starts with `_`; `saveState()` lives on it.
 * - At the end of every `doFrame()` serverboy copies the finished RGB frame (`swizzledFrame`)
 *   into an RGBA array and then rebuilds two more plain arrays of 92,160 numbers with `push`
 *   (`graphicsBlit`): measured here, 73 % of all emulation time. gbstream reads `swizzledFrame`
 *   itself, and only for frames it publishes, so by default that copy-out is skipped
 *   (`fastScreen`). The emulated machine is untouched: a test runs both ways and compares.
 */
import { createRequire } from 'node:module';
import type GameboyType from 'serverboy';
import type { Button } from '../protocol/messages.js';
import { CPU_HZ, CYCLES_PER_FRAME, EmulatorFault, type Emulator } from './emulator.js';
import { decodeServerboyState, encodeServerboyState } from './serverboy-state.js';

const require = createRequire(import.meta.url);
const Gameboy = require('serverboy') as typeof GameboyType;
const settings = require('serverboy/src/gameboy_core/settings.js') as unknown[];

/**
 * Opcodes the SM83 does not have. Real hardware locks up on them; serverboy logs to stdout and
 * carries on as if nothing happened. gbstream treats them as the fault they are.
 */
export const ILLEGAL_OPCODES = [0xd3, 0xdb, 0xdd, 0xe3, 0xe4, 0xeb, 0xec, 0xed, 0xf4, 0xfc, 0xfd] as const;

const SETTING_SOUND = 0;
const SETTING_ITERATION_MS = 6;

const KEY_OF: Record<Button, number> = {
  right: Gameboy.KEYMAP.RIGHT,
  left: Gameboy.KEYMAP.LEFT,
  up: Gameboy.KEYMAP.UP,
  down: Gameboy.KEYMAP.DOWN,
  a: Gameboy.KEYMAP.A,
  b: Gameboy.KEYMAP.B,
  select: Gameboy.KEYMAP.SELECT,
  start: Gameboy.KEYMAP.START,
};

/** The parts of serverboy's private core object we touch. */
interface Core {
  memoryRead(address: number): number;
  saveState(): unknown[];
  /** serverboy's name for returnFromState. */
  saving(state: unknown[]): void;
  OPCODE: Array<(core: Core) => void>;
  programCounter: number;
  /** The finished frame as 160×144 RGB bytes; rewritten at each VBlank. */
  swizzledFrame: Uint8Array;
  processDraw(frameBuffer: Uint8Array): void;
  drewFrame: boolean;
  GBCMemory: ArrayLike<number>;
  cGBC: boolean;
  stopEmulator: number;
}

export interface EmulatorOptions {
  /** Emulate sound (costs CPU; nobody hears it). Default false. */
  sound?: boolean;
  /**
   * Skip serverboy's per-frame RGBA copy-out (default true). `screen()` (serverboy's RGBA array)
   * is then not updated; use `screenRgb()`.
   */
  fastScreen?: boolean;
}

export class ServerboyEmulator implements Emulator {
  readonly core = 'serverboy';
  readonly #gb: GameboyType;
  #core: Core;
  readonly #rom: Uint8Array;
  #frame = 0;
  #held: number[] = [];
  #heldFrames = 0;
  readonly #fastScreen: boolean;
  #faulted = false;
  #loadNotes: string[] = [];

  constructor(rom: Uint8Array, options: EmulatorOptions = {}) {
    this.#rom = rom;
    this.#fastScreen = options.fastScreen ?? true;
    settings[SETTING_SOUND] = options.sound ?? false;
    settings[SETTING_ITERATION_MS] = (CYCLES_PER_FRAME * 1000) / CPU_HZ;
    this.#gb = new Gameboy();
    this.#core = this.#load();
  }

  #load(): Core {
    // serverboy reports what it finds in the header with console.log, which would land in our
    // stdout (program output). Keep those lines for the caller to log instead.
    const notes: string[] = [];
    const consoleLog = console.log;
    console.log = (...args: unknown[]) => notes.push(args.map(String).join(' '));
    try {
      // serverboy keeps a reference to the array it is given; give it its own copy.
      this.#gb.loadRom(Array.from(this.#rom) as unknown as Uint8Array);
    } catch (err) {
      throw new EmulatorFault(`serverboy could not load the ROM: ${(err as Error).message}`);
    } finally {
      console.log = consoleLog;
    }
    this.#loadNotes = notes;
    const key = Object.keys(this.#gb).find((k) => k.startsWith('_'));
    const core = key ? (this.#gb as unknown as Record<string, { gameboy?: Core }>)[key]?.gameboy : undefined;
    if (!core || typeof core.memoryRead !== 'function') {
      throw new EmulatorFault('serverboy internals changed: cannot reach the core to read memory through the bus');
    }
    // A per-core copy of the opcode table, so other instances keep the shared one.
    const table = core.OPCODE.slice();
    for (const op of ILLEGAL_OPCODES) {
      table[op] = (c: Core) => {
        throw new EmulatorFault(`illegal opcode 0x${op.toString(16)} at 0x${((c.programCounter - 1) & 0xffff).toString(16).padStart(4, '0')}`);
      };
    }
    core.OPCODE = table;
    if (this.#fastScreen) {
      // What processDraw does minus the copies: mark the frame as taken.
      core.processDraw = function (this: Core) {
        this.drewFrame = false;
      };
    }
    return core;
  }

  /** Emulated frames run since load or reset. */
  get frame(): number {
    return this.#frame;
  }

  /** What serverboy said while loading the ROM (e.g. "Cartridge type is unknown."). */
  get loadNotes(): readonly string[] {
    return this.#loadNotes;
  }

  /** True after a fault until reset(). */
  get faulted(): boolean {
    return this.#faulted;
  }

  /** Whether the core runs in Game Boy Color mode. */
  get cgb(): boolean {
    return this.#core.cGBC;
  }

  /** Restarts the ROM from power-on. */
  reset(): void {
    this.#held = [];
    this.#heldFrames = 0;
    this.#frame = 0;
    this.#faulted = false;
    this.#core = this.#load();
  }

  /**
   * The whole machine (serverboy's own save state: CPU, memory banks, LCD, timers) plus the
   * frame counter, as bytes (about 150 KB; see serverboy-state.ts).
   */
  saveState(): Uint8Array {
    if (this.#faulted) throw new EmulatorFault('cannot save a faulted emulator; reset it');
    return encodeServerboyState(this.#frame, this.#core.saveState(), this.#rom, this.#core.swizzledFrame ?? undefined);
  }

  /** Restores bytes from saveState() of this ROM (also recovers from a fault). */
  loadState(bytes: Uint8Array): void {
    const { frame, core, screen } = decodeServerboyState(bytes, this.#rom);
    this.#core.saving(core);
    if (screen && this.#core.swizzledFrame?.length === screen.length) this.#core.swizzledFrame.set(screen);
    this.#frame = frame;
    this.#faulted = false;
    this.#held = [];
    this.#heldFrames = 0;
  }

  /** Holds `buttons` for the next `frames` frames (replacing what was held). */
  hold(buttons: readonly Button[], frames = 1): void {
    this.#held = buttons.map((b) => KEY_OF[b]);
    this.#heldFrames = Math.max(0, Math.floor(frames));
  }

  /** Runs `frames` frames holding `buttons`. @throws EmulatorFault */
  run(buttons: readonly Button[], frames: number): void {
    this.hold(buttons, frames);
    for (let i = 0; i < frames; i++) this.step();
  }

  /** Runs one video frame with the held buttons. @throws EmulatorFault when the core throws. */
  step(): void {
    if (this.#faulted) throw new EmulatorFault('emulator is stopped after a fault; reset it');
    if (this.#heldFrames > 0) {
      this.#gb.pressKeys(this.#held);
      this.#heldFrames--;
    }
    try {
      this.#gb.doFrame();
    } catch (err) {
      // The core is mid-instruction now: stop it; only reset() brings it back.
      this.#faulted = true;
      throw new EmulatorFault(`emulator faulted at frame ${this.#frame}: ${(err as Error).message}`);
    }
    this.#frame++;
  }

  /** The current screen as 160×144 RGB bytes: the core's own buffer, valid until the next step. */
  screenRgb(): Uint8Array {
    return this.#core.swizzledFrame;
  }

  /**
   * serverboy's RGBA screen array (a plain Array of 92,160 numbers). Only kept up to date with
   * `fastScreen: false`; exists so tests can compare the two paths.
   */
  screen(): ArrayLike<number> {
    return this.#gb.getScreen();
  }

  /** Reads one byte through the memory bus, as the CPU would see it now. */
  readByte(address: number): number {
    return this.#core.memoryRead(address & 0xffff) & 0xff;
  }

  /**
   * Reads one byte of CGB work RAM bank `bank` (1–7) at `address` (0xD000–0xDFFF), whichever bank
   * the game has switched in. On DMG games (one bank) this is the bus read.
   */
  readWramBank(bank: number, address: number): number {
    if (!this.#core.cGBC) return this.readByte(address);
    // serverboy keeps banks 1..7 back to back in GBCMemory (gbcRamBankPosition = (bank-1)<<12).
    return (this.#core.GBCMemory[((bank - 1) << 12) + (address - 0xd000)] ?? 0) & 0xff;
  }

  /** The raw memory array: wrong for banked regions. Exposed only so tests can prove that. */
  rawMemory(): ArrayLike<number> {
    return this.#gb.getMemory();
  }

  /** Nothing to free: serverboy is plain JS objects the garbage collector takes. */
  close(): void {}
}
