/**
 * `--core auto|serverboy|gambatte|PATH`: which emulator core runs the envs. Resolved once, on the
 * main thread, into a plain `CoreChoice` that can cross to worker threads.
 *
 * - `serverboy`: the pure-JS core (always available).
 * - `gambatte` (or any other core name): `<name>_libretro` found by core-path.ts.
 * - a PATH (has a slash or a library suffix): that libretro core file.
 * - `auto` (default): gambatte when the libretro addon is built and the core is installed, else
 *   serverboy, with the reason in `fallback` for one log line.
 */
import { ConfigError } from '../config-error.js';
import { findCore, looksLikePath, resolveCore } from './core-path.js';
import { tryLoadLibretroBinding } from './libretro-binding.js';

export type CoreChoice =
  | { readonly kind: 'serverboy' }
  /** `name` is how gbstream reports the core ("gambatte"); undefined: the core's library_name. */
  | { readonly kind: 'libretro'; readonly path: string; readonly name?: string };

export interface ResolvedCore {
  readonly choice: CoreChoice;
  /** Set when `auto` fell back to serverboy: why (for one log line). */
  readonly fallback?: string;
}

/** Option parser: a non-empty spec. */
export function parseCoreSpec(value: string): string {
  const v = value.trim();
  if (v === '') throw new ConfigError('GBS_ERR_CORE_LOAD', `Expected --core to be auto, serverboy, gambatte or a core file, got "${value}"`);
  return v;
}

/**
 * Resolves a `--core` value.
 * @throws ConfigError quoting the value when a named core or file is missing, or when a libretro
 *   core is asked for and the addon is not built.
 */
export function chooseCore(
  spec: string,
  env: NodeJS.ProcessEnv = process.env,
  find: (name: string, env: NodeJS.ProcessEnv) => string | undefined = findCore,
): ResolvedCore {
  if (spec === 'serverboy') return { choice: { kind: 'serverboy' } };
  const addon = tryLoadLibretroBinding();
  if (spec === 'auto') {
    if ('reason' in addon) return { choice: { kind: 'serverboy' }, fallback: `libretro frontend unavailable (${addon.reason}); using serverboy` };
    const path = find('gambatte', env);
    if (path === undefined) {
      return { choice: { kind: 'serverboy' }, fallback: 'gambatte_libretro not found (apt install libretro-gambatte, or set GBSTREAM_CORE_DIR); using serverboy' };
    }
    return { choice: { kind: 'libretro', path, name: 'gambatte' } };
  }
  const path = resolveCore(spec, env);
  if ('reason' in addon) throw new ConfigError('GBS_ERR_CORE_LOAD', `--core "${spec}" needs gbstream's libretro frontend: ${addon.reason}`);
  return { choice: { kind: 'libretro', path, name: looksLikePath(spec) ? undefined : spec } };
}

/** How a choice is named in logs before a core is loaded. */
export function describeChoice(choice: CoreChoice): string {
  return choice.kind === 'serverboy' ? 'serverboy' : `${choice.name ?? 'libretro'} (${choice.path})`;
}
