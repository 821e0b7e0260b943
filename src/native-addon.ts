/**
 * Loads one of gbstream's optional native addons (`native/build/Release/<name>.node`, built by
 * `npm install` through native/build.mjs). An addon that is not built, or built but unable to load
 * its library (libjpeg, zlib), is not an error: the caller falls back and says why, once.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export type AddonLoadResult<T> = { binding: T } | { reason: string };

const cache = new Map<string, AddonLoadResult<unknown>>();

/** The addon's path: works from src/ (tests) and dist/ (the CLI), both one level below the root. */
export function addonPath(name: string): string {
  return fileURLToPath(new URL(`../native/build/Release/${name}.node`, import.meta.url));
}

/** Loads addon `name` once per process; on failure says why in one line. */
export function loadAddon<T>(name: string): AddonLoadResult<T> {
  const known = cache.get(name);
  if (known !== undefined) return known as AddonLoadResult<T>;
  const path = addonPath(name);
  let result: AddonLoadResult<T>;
  try {
    result = { binding: createRequire(import.meta.url)(path) as T };
  } catch (err) {
    result = {
      reason:
        (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND'
          ? `${path} is not built (npm install builds it; see native/README.md)`
          : `${path} does not load: ${(err as Error).message.split('\n')[0]}`,
    };
  }
  cache.set(name, result);
  return result;
}
