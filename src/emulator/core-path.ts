/**
 * Finding a libretro core file: `gambatte` (or any core name) is looked up where packages and
 * RetroArch put cores; anything that looks like a path is taken as the core file itself.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../config-error.js';

/** The platform's shared-library suffix, as libretro core files are named. */
export function coreSuffix(platform: NodeJS.Platform = process.platform): string {
  return platform === 'darwin' ? '.dylib' : platform === 'win32' ? '.dll' : '.so';
}

/**
 * Folders searched for `<name>_libretro.<suffix>`, in order: $GBSTREAM_CORE_DIR, the distribution's
 * libretro folders (Debian/Ubuntu `/usr/lib/<triplet>/libretro/`, Fedora/Arch `/usr/lib64` and
 * `/usr/lib`), then RetroArch's own cores folders (native, Flatpak, Snap, macOS, Windows).
 */
export function coreDirs(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  const dirs: string[] = [];
  const fromEnv = env['GBSTREAM_CORE_DIR'];
  if (fromEnv) dirs.push(...fromEnv.split(platform === 'win32' ? ';' : ':').filter(Boolean));
  const home = env['HOME'] ?? homedir();
  if (platform === 'linux') {
    let triplets: string[] = [];
    try {
      triplets = readdirSync('/usr/lib').filter((d) => /-linux-gnu/.test(d));
    } catch {
      // no /usr/lib: nothing to add
    }
    dirs.push(...triplets.map((t) => `/usr/lib/${t}/libretro`), '/usr/lib64/libretro', '/usr/lib/libretro', '/usr/local/lib/libretro');
    const xdg = env['XDG_CONFIG_HOME'] ?? join(home, '.config');
    dirs.push(
      join(xdg, 'retroarch', 'cores'),
      join(home, '.var', 'app', 'org.libretro.RetroArch', 'config', 'retroarch', 'cores'),
      join(home, 'snap', 'retroarch', 'current', '.config', 'retroarch', 'cores'),
    );
  } else if (platform === 'darwin') {
    dirs.push(join(home, 'Library', 'Application Support', 'RetroArch', 'cores'));
  } else if (platform === 'win32' && env['APPDATA']) {
    dirs.push(join(env['APPDATA'], 'RetroArch', 'cores'));
  }
  return dirs;
}

/** The first `<name>_libretro` core file in coreDirs(), or undefined. */
export function findCore(name: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  const file = `${name}_libretro${coreSuffix(platform)}`;
  for (const dir of coreDirs(env, platform)) {
    const path = join(dir, file);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** True when `spec` names a file rather than a core to look up (has a slash or a library suffix). */
export function looksLikePath(spec: string): boolean {
  return /[\\/]/.test(spec) || /\.(so|dylib|dll)$/i.test(spec);
}

/**
 * The core file for `spec`: a path (must be an existing file) or a core name looked up with
 * findCore().
 * @throws ConfigError quoting `spec` (and the folders searched) when there is no such file.
 */
export function resolveCore(spec: string, env: NodeJS.ProcessEnv = process.env): string {
  if (looksLikePath(spec)) {
    const path = isAbsolute(spec) ? spec : resolve(spec);
    let isFile = false;
    try {
      isFile = statSync(path).isFile();
    } catch {
      // reported below
    }
    if (!isFile) throw new ConfigError('GBS_ERR_CORE_LOAD', `libretro core file not found: "${spec}"`);
    return path;
  }
  const found = findCore(spec, env);
  if (found === undefined) {
    throw new ConfigError(
      'GBS_ERR_CORE_LOAD',
      `libretro core "${spec}" not found (looked for ${spec}_libretro${coreSuffix()} in ${coreDirs(env).join(', ')}; ` +
        `install it, e.g. apt install libretro-${spec}, or set GBSTREAM_CORE_DIR)`,
    );
  }
  return found;
}
