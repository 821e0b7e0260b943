/**
 * Loads gbstream's libretro frontend addon (`native/src/libretro_frontend.c`). The addon is
 * optional: `npm install` builds it when a C compiler is present (native/build.mjs); without it
 * only serverboy runs.
 */
import { loadAddon, type AddonLoadResult } from '../native-addon.js';

/** An open core (opaque; freed by `close` or when garbage-collected). */
export type CoreHandle = object;

/** What the addon exports. Errors carry `code`: GBS_ERR_NATIVE_ARG, GBS_ERR_CORE_LOAD, GBS_ERR_CORE_REFUSED, GBS_ERR_CORE_SAVE, GBS_ERR_CORE_CLOSED. */
export interface LibretroBinding {
  /** dlopen()s a private copy of the core file (made in `tmpDir`, unlinked at once) and inits it. */
  open(corePath: string, tmpDir: string, systemDir: string, saveDir: string): CoreHandle;
  info(h: CoreHandle): { libraryName: string; libraryVersion: string; pixelFormat: string; memoryMaps: number; busFromState: boolean };
  loadGame(h: CoreHandle, rom: Uint8Array, path: string): void;
  /** Runs `frames` retro_run() calls holding `buttons` (RetroPad bitmask). */
  run(h: CoreHandle, frames: number, buttons: number): void;
  /** The last frame as RGB into `out`; false when no frame has come yet. */
  screen(h: CoreHandle, out: Uint8Array): boolean;
  /** The last frame as gray bytes ((77 r + 150 g + 29 b) >> 8) into `out`; false when no frame has come yet. */
  screenGray(h: CoreHandle, out: Uint8Array): boolean;
  frameSize(h: CoreHandle): [number, number];
  /** [video callbacks, of which duplicates]. */
  counters(h: CoreHandle): [number, number];
  saveState(h: CoreHandle): Buffer;
  loadState(h: CoreHandle, state: Uint8Array): boolean;
  reset(h: CoreHandle): void;
  read(h: CoreHandle, address: number): number;
  readWram(h: CoreHandle, bank: number, address: number): number;
  /** What the core said since the last call (log interface, captured printf), one per line. */
  messages(h: CoreHandle): string;
  close(h: CoreHandle): void;
}

export type LibretroLoadResult = AddonLoadResult<LibretroBinding>;

/** Loads the addon once; on failure says why. */
export function tryLoadLibretroBinding(): LibretroLoadResult {
  return loadAddon<LibretroBinding>('gbstream_libretro');
}
