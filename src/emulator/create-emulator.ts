/**
 * The one place that chooses an emulator core. Everything above src/emulator/ asks for an
 * `Emulator` here and never imports a core adapter itself.
 */
import { ConfigError } from '../config-error.js';
import type { Emulator } from './emulator.js';
import { ServerboyEmulator } from './serverboy.js';

export type CoreKind = 'serverboy';

export const CORE_KINDS: readonly CoreKind[] = ['serverboy'];

export interface CreateEmulatorOptions {
  /** Which core runs the ROM. Default 'serverboy'. */
  core?: CoreKind;
  /** Emulate sound (costs CPU; nobody hears it). Default false. */
  sound?: boolean;
}

/**
 * Loads `rom` into a new emulator of the chosen core.
 * @throws ConfigError `GBS_ERR_CORE_UNKNOWN` for a core name gbstream does not know.
 * @throws EmulatorFault when the core refuses the ROM.
 */
export async function createEmulator(rom: Uint8Array, options: CreateEmulatorOptions = {}): Promise<Emulator> {
  const core = options.core ?? 'serverboy';
  switch (core) {
    case 'serverboy':
      return new ServerboyEmulator(rom, { sound: options.sound });
    default:
      throw new ConfigError('GBS_ERR_CORE_UNKNOWN', `Expected \`core\` to be one of ${CORE_KINDS.join(', ')}, got \`${String(core)}\`.`);
  }
}
