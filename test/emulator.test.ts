import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { EmulatorFault } from '../src/emulator/emulator.js';
import { ServerboyEmulator } from '../src/emulator/serverboy.js';
import { rgbaToRgb } from '../src/encode/pixels.js';
import { DEMO_ROM_PATH } from '../src/paths.js';
import { loadMemoryMap } from '../src/state/memory-map.js';
import { readState } from '../src/state/read-state.js';

const BLARGG = 'node_modules/serverboy/roms/blargg_tests/cpu_instrs.gb';
const demoRom = async () => new Uint8Array(await readFile(DEMO_ROM_PATH));

function screenHash(screen: ArrayLike<number>): number {
  let h = 2166136261;
  for (let i = 0; i < screen.length; i++) h = Math.imul(h ^ screen[i]!, 16777619);
  return h >>> 0;
}

describe('ServerboyEmulator', () => {
  it('runs a real Blargg ROM frame by frame with sound off', async () => {
    const emu = new ServerboyEmulator(new Uint8Array(await readFile(BLARGG)));
    const settings = createRequire(import.meta.url)('serverboy/src/gameboy_core/settings.js') as unknown[];
    expect(settings[0]).toBe(false);
    for (let i = 0; i < 300; i++) emu.step();
    expect(emu.frame).toBe(300);
    expect(emu.screenRgb().length).toBe(160 * 144 * 3);
  });

  it('reads CGB work RAM through the bus, where the raw array is stale', async () => {
    const emu = new ServerboyEmulator(await demoRom());
    expect(emu.cgb).toBe(true);
    emu.hold(['right', 'down'], 120);
    for (let i = 0; i < 120; i++) emu.step();
    const raw = emu.rawMemory();
    let differing = 0;
    for (let a = 0xd000; a < 0xd010; a++) if (emu.readByte(a) !== raw[a]) differing++;
    expect(differing).toBeGreaterThan(0);
    // The bus value is the bank the CPU sees; bank 1 is what the demo runs with.
    expect(emu.readWramBank(1, 0xd000)).toBe(emu.readByte(0xd000));
  });

  it('applies held buttons for the frames asked, then releases them', async () => {
    const map = await loadMemoryMap('roms.example/gbstream-demo.json');
    const emu = new ServerboyEmulator(await demoRom());
    for (let i = 0; i < 30; i++) emu.step();
    const before = readState(emu, map);
    emu.hold(['right'], 20);
    for (let i = 0; i < 20; i++) emu.step();
    const moved = readState(emu, map);
    expect(moved['x']).not.toBe(before['x']);
    for (let i = 0; i < 20; i++) emu.step();
    expect(readState(emu, map)['x']).toBe(moved['x']);
  });

  it('changes the picture every frame on the demo ROM', async () => {
    const emu = new ServerboyEmulator(await demoRom());
    for (let i = 0; i < 10; i++) emu.step();
    const hashes = new Set<number>();
    for (let i = 0; i < 30; i++) {
      emu.step();
      hashes.add(screenHash(emu.screenRgb()));
    }
    expect(hashes.size).toBe(30);
  });

  it('skipping serverboy’s RGBA copy-out changes nothing the machine does or shows', async () => {
    const rom = await demoRom();
    const plain = new ServerboyEmulator(rom, { fastScreen: false });
    const fast = new ServerboyEmulator(rom);
    const buttons = [['right'], ['down'], [], ['left', 'up'], ['a']] as const;
    for (let i = 0; i < 240; i++) {
      const held = buttons[Math.floor(i / 20) % buttons.length]!;
      plain.hold(held, 1);
      fast.hold(held, 1);
      plain.step();
      fast.step();
      if (i % 8 === 0) {
        expect(Buffer.from(fast.screenRgb()).equals(Buffer.from(rgbaToRgb(plain.screen(), 160 * 144))), `frame ${i}`).toBe(true);
      }
    }
    for (const [from, to] of [[0xc000, 0xe000], [0xff80, 0xffff], [0x8000, 0xa000]] as const) {
      for (let a = from; a < to; a++) expect(fast.readByte(a), `0x${a.toString(16)}`).toBe(plain.readByte(a));
    }
    for (let bank = 1; bank <= 7; bank++) {
      for (let a = 0xd000; a < 0xe000; a += 7) expect(fast.readWramBank(bank, a)).toBe(plain.readWramBank(bank, a));
    }
  });

  it('saves and restores the whole machine: the same inputs replay to the same state and picture', async () => {
    const map = await loadMemoryMap('roms.example/gbstream-demo.json');
    const emu = new ServerboyEmulator(await demoRom());
    for (let i = 0; i < 40; i++) emu.step();
    const snapshot = emu.saveState();
    const pictureAtSave = screenHash(emu.screenRgb());
    const run = () => {
      emu.hold(['right', 'down'], 30);
      for (let i = 0; i < 30; i++) emu.step();
      return { state: readState(emu, map), screen: screenHash(emu.screenRgb()), frame: emu.frame };
    };
    const first = run();
    for (let i = 0; i < 50; i++) emu.step(); // wander off
    expect(screenHash(emu.screenRgb())).not.toBe(pictureAtSave); // the picture moved on meanwhile…
    emu.loadState(snapshot);
    expect(emu.frame).toBe(40);
    expect(screenHash(emu.screenRgb())).toBe(pictureAtSave); // …and a loaded state shows its own
    const again = run();
    expect(again).toEqual(first);
    expect(first.state['x']).toBeGreaterThan(0);
  });

  it('save states are bytes: they survive a structured clone (a thread, a file) and refuse another ROM', async () => {
    const rom = await demoRom();
    const emu = new ServerboyEmulator(rom);
    for (let i = 0; i < 40; i++) emu.step();
    const bytes = emu.saveState();
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.byteLength).toBeLessThan(320 * 1024); // the ROM itself is left out (the 69 KB screen is in)
    const other = new ServerboyEmulator(rom);
    other.loadState(structuredClone(bytes));
    expect(other.frame).toBe(40);
    for (let a = 0xc000; a < 0xe000; a += 3) expect(other.readByte(a)).toBe(emu.readByte(a));
    const blargg = new ServerboyEmulator(new Uint8Array(await readFile(BLARGG)));
    expect(() => blargg.loadState(bytes)).toThrow(EmulatorFault);
    expect(() => blargg.loadState(new Uint8Array([1, 2, 3]))).toThrow(/not a serverboy save state/);
  });

  it('keeps serverboy’s console chatter out of stdout and hands it to the caller', async () => {
    const rom = (await demoRom()).slice();
    rom[0x147] = 0x42; // no such cartridge type
    const { headerChecksum } = await import('../src/rom/header.js');
    rom[0x14d] = headerChecksum(rom);
    const writes: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    let emu: ServerboyEmulator;
    try {
      emu = new ServerboyEmulator(rom);
    } finally {
      process.stdout.write = write;
    }
    expect(emu.loadNotes).toContain('Cartridge type is unknown.');
    expect(writes.join('')).not.toContain('Cartridge type');
  });

  it('resets to power-on', async () => {
    const emu = new ServerboyEmulator(await demoRom());
    for (let i = 0; i < 50; i++) emu.step();
    emu.reset();
    expect(emu.frame).toBe(0);
    emu.step();
    expect(emu.frame).toBe(1);
  });
});
