import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.js';
import { coreDirs, findCore, looksLikePath, resolveCore } from '../src/emulator/core-path.js';

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbstream-cores-'));
  made.push(dir);
  return dir;
};

function fakeCoreDir(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'gambatte_libretro.so'), 'fake');
  return dir;
}

describe('core discovery', () => {
  it('looks in GBSTREAM_CORE_DIR first, then Debian triplet folders, then RetroArch folders', () => {
    const dirs = coreDirs({ GBSTREAM_CORE_DIR: '/opt/a:/opt/b', HOME: '/home/u' }, 'linux');
    expect(dirs.slice(0, 2)).toEqual(['/opt/a', '/opt/b']);
    expect(dirs).toContain('/home/u/.config/retroarch/cores');
    expect(dirs.some((d) => /^\/usr\/lib\/[^/]+-linux-gnu[^/]*\/libretro$/.test(d))).toBe(true);
    expect(coreDirs({ HOME: '/Users/u' }, 'darwin')).toEqual(['/Users/u/Library/Application Support/RetroArch/cores']);
  });

  it('finds <name>_libretro.so in GBSTREAM_CORE_DIR before the system folders', () => {
    const dir = fakeCoreDir();
    expect(findCore('gambatte', { GBSTREAM_CORE_DIR: dir, HOME: '/nonexistent' }, 'linux')).toBe(join(dir, 'gambatte_libretro.so'));
    expect(findCore('nosuchcore', { GBSTREAM_CORE_DIR: dir, HOME: '/nonexistent' }, 'linux')).toBeUndefined();
  });

  it('takes anything with a slash or a library suffix as a path', () => {
    expect(looksLikePath('gambatte')).toBe(false);
    expect(looksLikePath('./x_libretro.so')).toBe(true);
    expect(looksLikePath('mgba_libretro.so')).toBe(true);
    const dir = fakeCoreDir();
    expect(resolveCore(join(dir, 'gambatte_libretro.so'))).toBe(join(dir, 'gambatte_libretro.so'));
  });

  it('a name that is not installed or a path that is not a file is a ConfigError quoting it', () => {
    const empty = tempDir();
    mkdirSync(join(empty, 'sub'));
    expect(() => resolveCore('nosuchcore', { GBSTREAM_CORE_DIR: empty, HOME: '/nonexistent' })).toThrow(ConfigError);
    expect(() => resolveCore('nosuchcore', { GBSTREAM_CORE_DIR: empty, HOME: '/nonexistent' })).toThrow(/"nosuchcore" not found .*GBSTREAM_CORE_DIR/);
    expect(() => resolveCore(join(empty, 'sub'))).toThrow(/core file not found: ".*sub"/);
    expect(() => resolveCore('/nonexistent/x_libretro.so')).toThrow(ConfigError);
  });
});
