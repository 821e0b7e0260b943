/**
 * Files that ship with the package, found relative to this module. Works from `src/` (tests via
 * vitest) and from `dist/` (the installed CLI): both sit one level under the package root.
 */
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export const PACKAGE_ROOT = root;
/** The embedded default ROM: our own homebrew demo, built from src/demo/demo.asm. */
export const DEMO_ROM_PATH = fileURLToPath(new URL('../src/demo/gbstream-demo.gbc', import.meta.url));
/** Bundled memory maps, matched to ROMs by title. */
export const MAPS_DIR = fileURLToPath(new URL('../roms.example/', import.meta.url));
/** Bundled world-map layouts (with their licence notices), named in memory maps' `position`. */
export const LAYOUTS_DIR = fileURLToPath(new URL('../data/layouts/', import.meta.url));
/** The viewer's static files. */
export const WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));
export const PACKAGE_JSON = fileURLToPath(new URL('../package.json', import.meta.url));
