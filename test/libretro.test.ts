import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.js';
import { EmulatorFault } from '../src/emulator/emulator.js';
import { LibretroEmulator } from '../src/emulator/libretro.js';
import { rgbToGray } from '../src/encode/pixels.js';
import type { Button } from '../src/protocol/messages.js';
import { DEMO_ROM_PATH } from '../src/paths.js';
import { loadMemoryMap } from '../src/state/memory-map.js';
import { readState } from '../src/state/read-state.js';
import { GAMBATTE, hasGambatte } from './helpers/gambatte.js';

const demoRom = async () => new Uint8Array(await readFile(DEMO_ROM_PATH));
const demoMap = () => loadMemoryMap('roms.example/gbstream-demo.json');
const open = async () => new LibretroEmulator(GAMBATTE!, await demoRom());

function hash(bytes: ArrayLike<number>): number {
  let h = 2166136261;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 16777619);
  return h >>> 0;
}

const script = (f: number): Button[] => (f % 90 < 40 ? ['right', 'down'] : f % 90 < 60 ? ['left'] : []);

describe.skipIf(!hasGambatte)('LibretroEmulator on gambatte', () => {
  it('loads the demo ROM as a CGB game and says what the core said', async () => {
    const emu = await open();
    expect(emu.core).toBe('gambatte');
    expect(emu.cgb).toBe(true);
    expect(emu.loadLog.join('\n')).toContain('GBSTREAM DEMO');
    expect(emu.loadNotes).toEqual([]); // nothing worth a warning
    emu.close();
  });

  it('steps one frame at a time and many per call, with the game advancing once per frame', async () => {
    const emu = await open();
    const map = await demoMap();
    emu.run([], 60);
    expect(emu.frame).toBe(60);
    const before = readState(emu, map)['frame']!;
    emu.step();
    expect(emu.frame).toBe(61);
    expect(readState(emu, map)['frame']).toBe(before + 1);
    emu.close();
  });

  it('moves the player with held buttons and shows it on screen', async () => {
    const emu = await open();
    const map = await demoMap();
    emu.run([], 30);
    const x0 = readState(emu, map)['x']!;
    const screen0 = hash(emu.screenRgb());
    expect(emu.screenRgb().length).toBe(160 * 144 * 3);
    emu.hold(['right'], 10);
    for (let i = 0; i < 10; i++) emu.step();
    expect(readState(emu, map)['x']).toBe(x0 + 10);
    expect(hash(emu.screenRgb())).not.toBe(screen0);
    emu.run(['left'], 4);
    expect(readState(emu, map)['x']).toBe(x0 + 6);
    emu.close();
  });

  it('gives gray screens in one native pass, equal to rgbToGray(screenRgb())', async () => {
    const emu = await open();
    emu.run([], 1);
    let distinct = new Set<number>();
    for (let f = 0; f < 200; f++) {
      emu.hold(script(f), 1);
      emu.step();
      const gray = emu.screenGray();
      expect(gray.length).toBe(160 * 144);
      if (f % 10 === 0) expect(Buffer.from(gray).equals(Buffer.from(rgbToGray(emu.screenRgb())))).toBe(true);
      distinct = new Set([...distinct, hash(gray)]);
    }
    expect(distinct.size).toBeGreaterThan(20); // the screens moved: not one constant picture
    // A new array each call: an agent keeps its observation while the env steps on.
    expect(emu.screenGray()).not.toBe(emu.screenGray());
    // Closed, it still answers with the last frame's picture, like screenRgb(), also when
    // screenRgb() was not called after the last step (issue 22 item 14).
    const converted = rgbToGray(emu.screenRgb());
    emu.run(['right', 'a'], 30);
    const last = emu.screenGray(); // from the core: screenRgb() has not seen this frame
    expect(Buffer.from(last).equals(Buffer.from(converted)), 'the picture must change for this test to tell').toBe(false);
    emu.close();
    expect(Buffer.from(emu.screenGray()).equals(Buffer.from(last))).toBe(true);
    expect(Buffer.from(rgbToGray(emu.screenRgb())).equals(Buffer.from(last))).toBe(true);
  });

  it('run() replaces what hold() held, as serverboy does: the next step() holds nothing', async () => {
    const real = LibretroEmulator.binding();
    const masks: number[] = [];
    const run: typeof real.run = (h, frames, mask) => {
      masks.push(mask);
      return real.run(h, frames, mask);
    };
    const binding = { ...real, run };
    const emu = new LibretroEmulator(GAMBATTE!, await demoRom(), { binding });
    emu.hold(['a'], 10);
    emu.step();
    emu.run(['left'], 3);
    emu.step();
    expect(masks).toHaveLength(3);
    expect(masks[0]).not.toBe(0);
    expect(masks[1]).not.toBe(0);
    expect(masks[1]).not.toBe(masks[0]);
    expect(masks[2]).toBe(0);
    emu.close();
  });

  it('refuses a screen buffer too small for the frame, with a coded RangeError', async () => {
    const b = LibretroEmulator.binding();
    const dir = mkdtempSync(join(tmpdir(), 'gbs-screen-'));
    const h = b.open(GAMBATTE!, dir, dir, dir);
    try {
      b.loadGame(h, await demoRom(), 'demo.gbc');
      b.run(h, 2, 0);
      expect(() => b.screen(h, new Uint8Array(160 * 144 * 3 - 1))).toThrow(expect.objectContaining({ name: 'RangeError', code: 'GBS_ERR_NATIVE_ARG', message: expect.stringContaining('160x144 RGB pixels') }));
      expect(() => b.screenGray(h, new Uint8Array(160 * 144 - 1))).toThrow(expect.objectContaining({ name: 'RangeError', code: 'GBS_ERR_NATIVE_ARG', message: expect.stringContaining('160x144 gray pixels') }));
      expect(b.screenGray(h, new Uint8Array(160 * 144))).toBe(true);
    } finally {
      b.close(h);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads 0xD000–0xDFFF through the bank 0xFF70 selects, and other banks on request', async () => {
    const emu = await open();
    emu.run(['right'], 40);
    expect(emu.readByte(0xff70) & 7).toBe(1); // the demo selects bank 1
    for (let a = 0xd000; a < 0xd00d; a++) expect(emu.readByte(a)).toBe(emu.readWramBank(1, a));
    expect(emu.readByte(0xd000)).toBeGreaterThan(0); // x moved off 0
    // Echo RAM mirrors C000–DDFF through the same bank.
    expect(emu.readByte(0xf000)).toBe(emu.readByte(0xd000));
    // ROM reads come from the cartridge: the header title.
    const title = Array.from({ length: 13 }, (_, i) => String.fromCharCode(emu.readByte(0x134 + i))).join('');
    expect(title).toBe('GBSTREAM DEMO');
    emu.close();
  });

  it('saves and loads state bytes: the same inputs after a load give the same frames', async () => {
    const emu = await open();
    const map = await demoMap();
    emu.run(['right'], 100);
    const saved = emu.saveState();
    const record = () => {
      const out: string[] = [];
      for (let f = 0; f < 200; f++) {
        emu.run(script(f), 1);
        out.push(`${emu.frame} ${JSON.stringify(readState(emu, map))} ${hash(emu.screenRgb())}`);
      }
      return out;
    };
    const first = record();
    emu.loadState(saved);
    expect(emu.frame).toBe(100);
    expect(record()).toEqual(first);
    // And in a second emulator (a fresh core copy) from the same bytes.
    const other = await open();
    other.loadState(saved);
    other.run(script(0), 1);
    expect(`${other.frame} ${JSON.stringify(readState(other, map))} ${hash(other.screenRgb())}`).toBe(first[0]);
    emu.close();
    other.close();
  });

  it('rejects state bytes that are not its own', async () => {
    const emu = await open();
    expect(() => emu.loadState(new Uint8Array(100))).toThrow(EmulatorFault);
    const state = emu.saveState();
    expect(() => emu.loadState(state.subarray(0, state.length - 1))).toThrow(/rejected the save state/);
    emu.run([], 5); // still usable
    emu.close();
  });

  it('gives every emulator its own copy of the core: two in one thread do not share a machine', async () => {
    const a = await open();
    const b = await open();
    const map = await demoMap();
    a.run(['right'], 50);
    b.run(['left'], 20);
    expect(readState(a, map)['frame']).not.toBe(readState(b, map)['frame']);
    const bState = JSON.stringify(readState(b, map));
    a.run(['down'], 30);
    expect(JSON.stringify(readState(b, map))).toBe(bState);
    a.close();
    expect(readState(b, map)['frame']).toBeGreaterThan(0); // b survives a's close
    b.close();
  });

  it('resets to power-on', async () => {
    const emu = await open();
    const map = await demoMap();
    emu.run(['right'], 50);
    emu.reset();
    expect(emu.frame).toBe(0);
    emu.run([], 30);
    const fresh = await open();
    fresh.run([], 30);
    expect(readState(emu, map)).toEqual(readState(fresh, map));
    emu.close();
    fresh.close();
  });

  it('says clearly when the core refuses a ROM (garbage bytes), and does not crash', async () => {
    const garbage = new Uint8Array(4096).fill(0x5a);
    expect(() => new LibretroEmulator(GAMBATTE!, garbage)).toThrow(EmulatorFault);
    expect(() => new LibretroEmulator(GAMBATTE!, garbage)).toThrow(/^Gambatte refused the ROM/);
  });

  it('throws EmulatorFault after close instead of touching freed memory', async () => {
    const emu = await open();
    emu.close();
    emu.close(); // idempotent
    expect(() => emu.step()).toThrow(EmulatorFault);
    expect(() => emu.readByte(0xd000)).toThrow(EmulatorFault);
  });
});

describe.skipIf(!hasGambatte)('LibretroEmulator with a bad core file', () => {
  it('a file that is not a shared library is a ConfigError naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gbstream-badcore-'));
    const bad = join(dir, 'broken_libretro.so');
    writeFileSync(bad, 'not an ELF file');
    const err = (() => {
      try {
        new LibretroEmulator(bad, new Uint8Array(32768));
      } catch (e) {
        return e as ConfigError;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.code).toBe('GBS_ERR_CORE_LOAD');
    expect(err?.message).toContain(bad);
    expect(err?.message).not.toContain('gbstream-core-'); // names the user's file, not our private copy
  });

  it('a shared library that is not a libretro core is a ConfigError', async () => {
    // libz is a real shared library without retro_run().
    const libz = ['/usr/lib/x86_64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libz.so.1'].find((p) => existsSync(p));
    expect(libz, 'zlib1g is installed on this machine kind').toBeDefined();
    expect(() => new LibretroEmulator(libz!, new Uint8Array(32768))).toThrow(/not a libretro core/);
  });

  it('a missing core file is a ConfigError', async () => {
    expect(() => new LibretroEmulator('/nonexistent/gambatte_libretro.so', new Uint8Array(32768))).toThrow(ConfigError);
  });
});
