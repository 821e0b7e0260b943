/**
 * Whether Debian's gambatte core and gbstream's libretro addon are both here, and why not when
 * they are not: tests that need them are skipped with that reason (never passed silently).
 */
import { findCore } from '../../src/emulator/core-path.js';
import { tryLoadLibretroBinding } from '../../src/emulator/libretro-binding.js';

const addon = tryLoadLibretroBinding();
/** The gambatte core file, when installed. */
export const GAMBATTE = findCore('gambatte');
export const gambatteMissing: string | undefined =
  'reason' in addon
    ? `libretro addon unavailable: ${addon.reason}`
    : GAMBATTE === undefined
      ? 'gambatte_libretro not installed (Debian: apt install libretro-gambatte)'
      : undefined;
export const hasGambatte = gambatteMissing === undefined;
if (!hasGambatte) console.warn(`skipping gambatte tests: ${gambatteMissing}`);
