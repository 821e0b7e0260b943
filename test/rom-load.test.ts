import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.js';
import { headerChecksum, parseHeader, romTitle } from '../src/rom/header.js';
import { loadRomFile } from '../src/rom/load.js';

const BLARGG = 'node_modules/serverboy/roms/blargg_tests/cpu_instrs.gb';
let dir: string;

/** A syntactically valid 32 KiB ROM image with a correct header checksum. */
function makeRom(size = 32 * 1024, title = 'TESTROM'): Uint8Array {
  const rom = new Uint8Array(size);
  for (let i = 0; i < title.length; i++) rom[0x134 + i] = title.charCodeAt(i);
  rom[0x147] = 0x00;
  rom[0x14d] = headerChecksum(rom);
  return rom;
}

async function loadError(path: string, force = false): Promise<ConfigError> {
  try {
    await loadRomFile(path, { force });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected ${path} to be refused`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gbstream-rom-'));
  await writeFile(join(dir, 'empty.gb'), new Uint8Array(0));
  await writeFile(join(dir, 'small.gb'), makeRom().subarray(0, 16 * 1024));
  await writeFile(join(dir, 'odd.gb'), new Uint8Array([...makeRom(), 1, 2, 3]));
  const bad = makeRom();
  bad[0x14d] = (bad[0x14d]! + 1) & 0xff;
  await writeFile(join(dir, 'badsum.gb'), bad);
  await writeFile(join(dir, 'good.gb'), makeRom());
  await mkdir(join(dir, 'folder.gb'));
});

describe('loadRomFile refuses bad ROMs with one clear line', () => {
  it('missing path', async () => {
    const err = await loadError(join(dir, 'nope.gb'));
    expect(err.code).toBe('GBS_ERR_ROM_NOT_FOUND');
    expect(err.message).toContain('nope.gb');
  });
  it('a directory', async () => {
    expect((await loadError(join(dir, 'folder.gb'))).code).toBe('GBS_ERR_ROM_IS_DIR');
  });
  it('an empty file', async () => {
    expect((await loadError(join(dir, 'empty.gb'))).code).toBe('GBS_ERR_ROM_EMPTY');
  });
  it('a file under 32 KiB', async () => {
    const err = await loadError(join(dir, 'small.gb'));
    expect(err.code).toBe('GBS_ERR_ROM_TOO_SMALL');
    expect(err.message).toContain('16384');
  });
  it('a size that is not a multiple of 16 KiB', async () => {
    const err = await loadError(join(dir, 'odd.gb'));
    expect(err.code).toBe('GBS_ERR_ROM_BAD_SIZE');
    expect(err.message).toContain('32771');
  });
  it('a bad header checksum, unless forced', async () => {
    const err = await loadError(join(dir, 'badsum.gb'));
    expect(err.code).toBe('GBS_ERR_ROM_CHECKSUM');
    expect(err.message).toContain('--force');
    expect(err.message.split('\n')).toHaveLength(1);
    const forced = await loadRomFile(join(dir, 'badsum.gb'), { force: true });
    expect(forced.info.headerChecksumOk).toBe(false);
  });
});

describe('ROM info comes from the file', () => {
  it('reads title, CGB flag, cartridge type and SHA-1 of a synthetic ROM', async () => {
    const rom = await loadRomFile(join(dir, 'good.gb'));
    expect(rom.info).toMatchObject({ title: 'TESTROM', cgb: 'dmg', cartridgeType: 0, cartridgeName: 'ROM ONLY', size: 32768, headerChecksumOk: true });
    expect(rom.info.sha1).toMatch(/^[0-9a-f]{40}$/);
  });

  it('reads the Blargg cpu_instrs ROM shipped with serverboy', async () => {
    const rom = await loadRomFile(BLARGG);
    expect(rom.info.title).toBe('CPU_INSTRS');
    expect(rom.info.cartridgeName).toBe('MBC1');
    expect(rom.info.sha1).toBe('a979a7321b63b8e744d75d6aa7866b1e00d43da8');
  });

  it('stops a CGB title before the CGB flag byte', () => {
    const rom = makeRom(32 * 1024, 'ABCDEFGHIJKLMNO');
    rom[0x143] = 0xc0;
    expect(romTitle(rom)).toBe('ABCDEFGHIJKLMNO');
    expect(parseHeader(rom).cgb).toBe('cgb-only');
  });
});
