/** Layout math (local → global), layout validation, and memory maps' `position` declarations. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.js';
import { layoutJson, layoutPath, loadLayout, parseLayout, toGlobal } from '../src/map/layout.js';
import { LAYOUTS_DIR, MAPS_DIR } from '../src/paths.js';
import { loadMemoryMap, parseMemoryMap } from '../src/state/memory-map.js';

const COLUMNS = ['mapId', 'name', 'x', 'y', 'width', 'height'];
const small = parseLayout({ columns: COLUMNS, rows: [[-1, 'World', 0, 0, 100, 80], [0, 'Town', 10, 20, 20, 18], [7, 'Cave', 90, 70, 10, 10]] }, 'small');

function refused(value: unknown): string {
  try {
    parseLayout(value, 'bad');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the layout to be refused');
}

describe('local → global', () => {
  it('adds the map offset', () => {
    expect(toGlobal(small, 0, 0, 0)).toEqual({ gx: 10, gy: 20 });
    expect(toGlobal(small, 0, 5, 3)).toEqual({ gx: 15, gy: 23 });
    expect(toGlobal(small, 7, 9, 9)).toEqual({ gx: 99, gy: 79 });
  });

  it('has no place for unknown maps, the canvas row or points off the canvas', () => {
    expect(toGlobal(small, 3, 0, 0)).toBeUndefined();
    expect(toGlobal(small, -1, 1, 1)).toBeUndefined();
    expect(toGlobal(small, 7, 10, 0)).toBeUndefined(); // gx 100 = width
    expect(toGlobal(small, 7, 0, 10)).toBeUndefined(); // gy 80 = height
  });

  it('finds columns by name, in any order', () => {
    const swapped = parseLayout({ columns: ['x', 'y', 'mapId', 'width', 'height', 'name'], rows: [[0, 0, -1, 50, 50, 'W'], [4, 6, 2, 5, 5, 'A']] }, 's');
    expect(toGlobal(swapped, 2, 1, 1)).toEqual({ gx: 5, gy: 7 });
  });
});

describe('the bundled Kanto layout', () => {
  it('places Red/Blue maps where PokemonRedExperiments does (global = local + offset, 436×444)', async () => {
    const kanto = await loadLayout(layoutPath('kanto-map-layout', LAYOUTS_DIR));
    expect(kanto.name).toBe('kanto-map-layout');
    expect([kanto.width, kanto.height]).toEqual([436, 444]);
    expect(kanto.regions.size).toBe(226);
    expect(toGlobal(kanto, 0, 5, 6)).toEqual({ gx: 69, gy: 324 }); // Pallet Town at (64, 318)
    expect(toGlobal(kanto, 1, 0, 0)).toEqual({ gx: 54, gy: 246 }); // Viridian City
    expect(toGlobal(kanto, 12, 3, 10)).toEqual({ gx: 67, gy: 292 }); // Route 1 at (64, 282)
    expect(layoutJson(kanto).regions.find((r) => r.id === 0)).toEqual({ id: 0, name: 'Pallet Town', x: 64, y: 318, width: 20, height: 18 });
    expect(layoutJson(kanto).regions.some((r) => r.id === -1)).toBe(false);
  });
});

describe('layout validation', () => {
  it('quotes what is wrong', () => {
    expect(refused({ columns: ['mapId', 'x', 'y', 'width', 'height'], rows: [[-1, 0, 0, 1, 1]] })).toMatch(/lacks "name"/);
    expect(refused({ columns: COLUMNS, rows: [[0, 'A', 0, 0, 1, 1]] })).toMatch(/map id -1/);
    expect(refused({ columns: COLUMNS, rows: [[-1, 'W', 0, 0, 10, 10], [1, 'A', 0.5, 0, 1, 1]] })).toMatch(/rows\[1\] x must be an integer, got 0\.5/);
    expect(refused({ columns: COLUMNS, rows: [[-1, 'W', 0, 0, 10, 10], [1, 'A', 0, 0, 1, 1], [1, 'B', 0, 0, 1, 1]] })).toMatch(/map id 1 appears twice/);
    expect(refused({ columns: COLUMNS, rows: [[-1, 'W', 0, 0, 10, 0]] })).toMatch(/size 10×0/);
    expect(refused({ columns: COLUMNS, rows: [[-1, 'W', 0, 0, 5000, 10]] })).toMatch(/larger than 4096/);
    expect(refused({ rows: [] })).toMatch(/columns/);
  });

  it('reports a missing file as a configuration error', async () => {
    await expect(loadLayout('test/no-such-layout.json')).rejects.toThrow(/does not exist/);
  });
});

describe('memory map position declarations', () => {
  const fields = { m: { address: 1, type: 'u8' }, x: { address: 2, type: 'u8' }, y: { address: 3, type: 'u8' } };

  it('must name fields of the map', () => {
    expect(() => parseMemoryMap({ name: 'n', fields, position: { map: 'm', x: 'x', y: 'nope', layout: 'kanto-map-layout' } }, 't.json')).toThrow(/position\.y: names no field: "nope"/);
    expect(() => parseMemoryMap({ name: 'n', fields, position: { map: 'm', x: 'x', y: 'y' } }, 't.json')).toThrow(/position\.layout/);
  });

  it('Red/Blue and Yellow declare map/x/y at the StreamWrapper addresses (Yellow one lower) on Kanto', async () => {
    for (const [file, base] of [['pokemon-red-blue.json', 0], ['pokemon-yellow.json', -1]] as const) {
      const map = await loadMemoryMap(`${MAPS_DIR}${file}`);
      const pos = map.position!;
      expect(pos.layout, file).toBe('kanto-map-layout');
      expect(map.fields[pos.map]!.address, file).toBe(0xd35e + base);
      expect(map.fields[pos.y]!.address, file).toBe(0xd361 + base);
      expect(map.fields[pos.x]!.address, file).toBe(0xd362 + base);
    }
  });

  it('resolves a layout path relative to the map file', async () => {
    const map = await loadMemoryMap('test/fixtures/demo-position.json');
    expect(map.position!.layout).toMatch(/\/test\/fixtures\/demo-layout\.json$/);
    const layout = await loadLayout(map.position!.layout);
    expect(toGlobal(layout, 17, 1, 2)).toEqual({ gx: 1 + 160 + 8, gy: 2 + 144 + 4 });
  });
});
