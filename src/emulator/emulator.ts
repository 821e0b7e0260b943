/**
 * What every emulator core gives gbstream: the seam between a core (serverboy in pure JS, a
 * libretro core through native/) and everything above it (pipeline, envs, agents). Nothing above
 * `src/emulator/` knows which core runs; only the one place that chooses a core imports one.
 *
 * Contract, for every implementation:
 * - One `step()` is one LCD frame (70,224 CPU cycles); `frame` counts them since load/reset.
 * - `screenRgb()` is 160×144 RGB bytes of the last finished frame, valid until the next step or
 *   reset (copy it to keep it).
 * - `readByte()` reads through the memory bus as the CPU would now: banked regions (CGB WRAM at
 *   0xD000–0xDFFF selected by 0xFF70, cartridge RAM, VRAM) give the bank that is switched in.
 * - A fault (illegal opcode, a core that stops) throws `EmulatorFault` from `step()`, sets
 *   `faulted`, and only `reset()` or `loadState()` clears it.
 * - `saveState()` is bytes: it can cross a thread, go to a file or to a Python client, and
 *   `loadState()` of those bytes on a core of the same kind and ROM resumes exactly there.
 */
import { ErrorCode } from '../protocol/constants.js';
import type { Button } from '../protocol/messages.js';

/** CPU cycles in one LCD frame, and the Game Boy's frame rate that follows from it. */
export const CYCLES_PER_FRAME = 70224;
export const CPU_HZ = 4194304;
export const GB_FRAME_RATE = CPU_HZ / CYCLES_PER_FRAME; // 59.7275 frames/s

/** Thrown when the core faults (bad opcode, corrupt ROM) or refuses a ROM or state. */
export class EmulatorFault extends Error {
  readonly code = ErrorCode.EmulatorFault;
}

/** Facts about the loaded game and core. */
export interface EmulatorInfo {
  /** The core's name as gbstream reports it: "serverboy", "gambatte", or a libretro library_name. */
  readonly core: string;
  /** Whether the core runs the game in Game Boy Color mode. */
  readonly cgb: boolean;
}

export interface Emulator extends EmulatorInfo {
  /** Emulated frames run since load or reset. */
  readonly frame: number;
  /** True after a fault until reset() or loadState(). */
  readonly faulted: boolean;
  /** What the core said while loading the ROM (warnings for the log). */
  readonly loadNotes: readonly string[];

  /** Holds `buttons` for the next `frames` frames (replacing what was held). */
  hold(buttons: readonly Button[], frames?: number): void;
  /** Runs one frame with the held buttons. @throws EmulatorFault */
  step(): void;
  /**
   * Runs `frames` frames holding `buttons` (one crossing into a native core for all of them).
   * @throws EmulatorFault
   */
  run(buttons: readonly Button[], frames: number): void;
  /** The last finished frame as 160×144 RGB bytes; valid until the next step. */
  screenRgb(): Uint8Array;
  /**
   * The last finished frame as 160×144 gray bytes, exactly `rgbToGray(screenRgb())`, into a new
   * array the caller keeps. Optional: a core that converts in one native pass offers it (an
   * agent's gray observation every step); callers fall back to `rgbToGray(screenRgb())`.
   */
  screenGray?(): Uint8Array;
  /** One byte through the memory bus, as the CPU would read it now. */
  readByte(address: number): number;
  /** One byte of CGB WRAM bank `bank` (1–7) at 0xD000–0xDFFF, whichever bank is switched in. */
  readWramBank(bank: number, address: number): number;
  /** The whole machine state (and the frame counter) as bytes. @throws EmulatorFault when faulted */
  saveState(): Uint8Array;
  /** Restores bytes from saveState() of the same core and ROM. @throws EmulatorFault on bad bytes */
  loadState(state: Uint8Array): void;
  /** Restarts the ROM from power-on (also clears a fault). */
  reset(): void;
  /** Frees what the core holds (a native library copy, buffers). The emulator is unusable after. */
  close(): void;
}
