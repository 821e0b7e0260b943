/**
 * The one place that chooses an emulator core. Everything above src/emulator/ asks for an
 * `Emulator` here and never imports a core adapter itself. Which core is a `CoreChoice`
 * (core-choice.ts: `--core auto|serverboy|gambatte|PATH` resolved once on the main thread), a
 * plain object that crosses to worker threads.
 */
import { ConfigError } from '../config-error.js';
import type { CoreChoice } from './core-choice.js';
import { EmulatorFault, type Emulator } from './emulator.js';
import { LibretroEmulator } from './libretro.js';
import { ServerboyEmulator } from './serverboy.js';

export type { CoreChoice } from './core-choice.js';

export interface CreateEmulatorOptions {
  /** Which core runs the ROM. Default serverboy. */
  core?: CoreChoice;
  /** Emulate sound (costs CPU; nobody hears it). Default false; libretro cores' audio is always dropped. */
  sound?: boolean;
}

/**
 * Loads `rom` into a new emulator of the chosen core.
 * @throws ConfigError `GBS_ERR_CORE_UNKNOWN` for a core kind gbstream does not know,
 *   `GBS_ERR_CORE_LOAD` for a libretro core file that does not load.
 * @throws EmulatorFault when the core refuses the ROM.
 */
export async function createEmulator(rom: Uint8Array, options: CreateEmulatorOptions = {}): Promise<Emulator> {
  const core = options.core ?? { kind: 'serverboy' };
  switch (core.kind) {
    case 'serverboy':
      return new ServerboyEmulator(rom, { sound: options.sound });
    case 'libretro':
      return new LibretroEmulator(core.path, rom, { coreName: core.name });
    default: {
      const never: never = core;
      throw new ConfigError('GBS_ERR_CORE_UNKNOWN', `Expected \`core.kind\` to be serverboy or libretro, got \`${String((never as { kind: unknown }).kind)}\`.`);
    }
  }
}

/**
 * Loads the ROM into the chosen core once and closes it: checks, before any env or worker starts,
 * that the core loads and takes the ROM, and returns the core's name as gbstream reports it.
 * @throws ConfigError (one line for the CLI) when the core file does not load or refuses the ROM.
 */
export async function checkCore(rom: Uint8Array, core: CoreChoice | undefined): Promise<string> {
  let emulator: Emulator;
  try {
    emulator = await createEmulator(rom, { core });
  } catch (err) {
    if (err instanceof EmulatorFault) throw new ConfigError('GBS_ERR_CORE_REFUSED', err.message);
    throw err;
  }
  const name = emulator.core;
  emulator.close();
  return name;
}
