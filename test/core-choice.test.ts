import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.js';
import { chooseCore, parseCoreSpec } from '../src/emulator/core-choice.js';
import { GAMBATTE, hasGambatte } from './helpers/gambatte.js';

describe('--core', () => {
  it('serverboy is always serverboy', () => {
    expect(chooseCore('serverboy')).toEqual({ choice: { kind: 'serverboy' } });
  });

  it('auto falls back to serverboy with one reason when gambatte is not found', () => {
    const r = chooseCore('auto', {}, () => undefined);
    expect(r.choice).toEqual({ kind: 'serverboy' });
    expect(r.fallback).toMatch(/gambatte_libretro not found|libretro frontend unavailable/);
  });

  it.skipIf(!hasGambatte)('auto and gambatte pick the installed gambatte core', () => {
    expect(chooseCore('auto')).toEqual({ choice: { kind: 'libretro', path: GAMBATTE, name: 'gambatte' } });
    expect(chooseCore('gambatte').choice).toEqual({ kind: 'libretro', path: GAMBATTE, name: 'gambatte' });
    expect(chooseCore(GAMBATTE!).choice).toEqual({ kind: 'libretro', path: GAMBATTE, name: undefined });
  });

  it('a core that is not installed, or a file that does not exist, is a ConfigError quoting it', () => {
    expect(() => chooseCore('nosuchcore', { GBSTREAM_CORE_DIR: '/nonexistent', HOME: '/nonexistent' })).toThrow(ConfigError);
    expect(() => chooseCore('/nonexistent/x_libretro.so')).toThrow(/"\/nonexistent\/x_libretro.so"/);
    expect(() => parseCoreSpec(' ')).toThrow(ConfigError);
  });
});
