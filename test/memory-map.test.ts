import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.js';
import { loadMemoryMap, parseMemoryMap } from '../src/state/memory-map.js';
import { readField, readState, type MemoryBus } from '../src/state/read-state.js';

/** A bus over a plain array, with a separate bank array to see which path a read takes. */
function fakeBus(bytes: Record<number, number>, banks: Record<string, number> = {}): MemoryBus {
  return {
    readByte: (a) => bytes[a] ?? 0,
    readWramBank: (bank, a) => banks[`${bank}:${a}`] ?? 0,
  };
}

function invalid(value: unknown): string {
  try {
    parseMemoryMap(value, 'test.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the map to be refused');
}

describe('memory map validation', () => {
  it('accepts numbers and 0x strings as addresses', () => {
    const map = parseMemoryMap({ name: 'm', fields: { a: { address: '0xD362', type: 'u8' }, b: { address: 49152, type: 'u16le' } } }, 't');
    expect(map.fields['a']!.address).toBe(0xd362);
    expect(map.fields['b']!.address).toBe(0xc000);
  });

  it('names the bad field and what is wrong', () => {
    expect(invalid({ name: 'm', fields: { x: { address: '0xZZ', type: 'u8' } } })).toMatch(/fields\.x\.address/);
    expect(invalid({ name: 'm', fields: { x: { address: 70000, type: 'u8' } } })).toMatch(/fields\.x\.address/);
    expect(invalid({ name: 'm', fields: { x: { address: 1, type: 'float' } } })).toMatch(/fields\.x\.type/);
    expect(invalid({ name: 'm', fields: { x: { address: 1, type: 'bcd' } } })).toMatch(/length/);
    expect(invalid({ name: 'm', fields: { x: { address: 0xc000, type: 'u8', bank: 2 } } })).toMatch(/bank/);
    expect(invalid({ fields: {} })).toMatch(/name/);
    expect(invalid({ name: 'm', fields: { x: { address: 1, type: 'u8', adress: 2 } } })).toMatch(/adress/);
  });

  it('reports a missing file and bad JSON as configuration errors', async () => {
    await expect(loadMemoryMap('test/does-not-exist.json')).rejects.toThrow(/does not exist/);
    await expect(loadMemoryMap('package-lock.json')).rejects.toBeInstanceOf(ConfigError);
  });

  it('every bundled map in roms.example/ is valid and has fields', async () => {
    const names = (await readdir('roms.example')).filter((n) => n.endsWith('.json'));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const map = await loadMemoryMap(join('roms.example', name));
      expect(Object.keys(map.fields).length, name).toBeGreaterThan(0);
    }
  });
});

describe('field decoding', () => {
  const bus = fakeBus({ 0x10: 0x34, 0x11: 0x12, 0x12: 0x56, 0x20: 0x99, 0x21: 0x01, 0x22: 0x50, 0x30: 0b1011_0001, 0x31: 0xff, 0x40: 0xfe });
  const read = (type: string, address: number, length?: number) => readField(bus, { type, address, length } as never);

  it('u8, i8, u16le, u16be, u24be', () => {
    expect(read('u8', 0x10)).toBe(0x34);
    expect(read('i8', 0x40)).toBe(-2);
    expect(read('u16le', 0x10)).toBe(0x1234);
    expect(read('u16be', 0x10)).toBe(0x3412);
    expect(read('u24be', 0x10)).toBe(0x341256);
  });

  it('bcd reads packed big-endian digits', () => {
    expect(read('bcd', 0x20, 3)).toBe(990150);
    expect(read('bcd', 0x20, 1)).toBe(99);
  });

  it('bitcount counts set bits over length bytes', () => {
    expect(read('bitcount', 0x30)).toBe(4);
    expect(read('bitcount', 0x30, 2)).toBe(12);
  });

  it('reads banked fields from their bank, not the bus', () => {
    const banked = fakeBus({ 0xd000: 1 }, { '2:53248': 7 });
    const state = readState(banked, parseMemoryMap({ name: 'm', fields: { a: { address: '0xD000', type: 'u8' }, b: { address: '0xD000', type: 'u8', bank: 2 } } }, 't'));
    expect(state).toEqual({ a: 1, b: 7 });
  });
});
