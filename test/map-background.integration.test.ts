/**
 * The Map view's background drawn from the user's ROM: the cache module (render once, then read
 * by SHA-1; a non-Pokémon ROM gets nothing and no error; a corrupt map is one log line), the
 * `/api/map/background` route on `serve` and on `hub --map-rom`, and `gbstream render-map`.
 * Everything drawn goes to temporary directories; nothing is kept.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { startHub } from '../src/app/hub.js';
import { serve } from '../src/app/serve.js';
import { silentLogger } from '../src/log.js';
import { loadLayout } from '../src/map/layout.js';
import { cacheFile, defaultCacheDir, RomBackground } from '../src/map/rom-background.js';
import { LAYOUTS_DIR } from '../src/paths.js';
import { runCli } from './helpers/cli.js';
import { fakeRedRom } from './helpers/fake-pokemon-rom.js';
import { testServeOptions } from './helpers/serve-options.js';

const YELLOW = 'node_modules/serverboy/roms/pokeyellow.gbc';
const BLARGG = 'node_modules/serverboy/roms/blargg_tests/cpu_instrs.gb';
const hasYellow = existsSync(YELLOW);

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

const tmp = () => mkdtemp(join(tmpdir(), 'gbs-mapbg-'));
const layout = () => loadLayout(join(LAYOUTS_DIR, 'kanto-map-layout.json'));

describe('the cache directory', () => {
  it('is $XDG_CACHE_HOME/gbstream, else ~/.cache/gbstream (a relative XDG_CACHE_HOME is ignored, as the spec says)', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache' }, '/home/u')).toBe('/x/cache/gbstream');
    expect(defaultCacheDir({}, '/home/u')).toBe('/home/u/.cache/gbstream');
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'rel' }, '/home/u')).toBe('/home/u/.cache/gbstream');
  });
});

describe('RomBackground', () => {
  it('a non-Pokémon ROM: no picture, no warning', async () => {
    const { log, lines } = capturedLogger();
    const bg = new RomBackground({ rom: await readFile(BLARGG), sha1: 'b', layout: await layout(), cacheDir: await tmp(), log });
    expect(bg.pending).toBe(true);
    expect(await bg.ready).toEqual({ kind: 'not-pokemon' });
    expect(bg.current).toBeUndefined();
    expect(bg.pending).toBe(false);
    expect(lines.filter((l) => (l['level'] as number) >= 40)).toEqual([]);
  });

  it('a corrupt pointer leaves that map out with one log line; the others are drawn', async () => {
    const { log, lines } = capturedLogger();
    const small = { name: 'two', width: 8, height: 8, regions: new Map([[-1, { id: -1, name: 'W', x: 0, y: 0, width: 8, height: 8 }], [0, { id: 0, name: 'A', x: 0, y: 0, width: 2, height: 4 }], [1, { id: 1, name: 'B', x: 4, y: 0, width: 2, height: 2 }]]) };
    const bg = new RomBackground({ rom: fakeRedRom(), sha1: 'f', layout: small, cacheDir: await tmp(), log });
    expect(await bg.ready).toMatchObject({ kind: 'rendered', maps: 1, failed: 1 });
    const warnings = lines.filter((l) => (l['level'] as number) >= 40);
    expect(warnings.map((l) => l['msg'])).toEqual(["map 1 left out of the background: map 1's header at 02:4100 names tileset 200; the game has 24"]);
    expect(PNG.sync.read(Buffer.from(bg.current!.bytes))).toMatchObject({ width: 128, height: 128 });
  });

  it.skipIf(!hasYellow)('Yellow: drawn once into the cache by SHA-1, read from it after; an unwritable cache costs a warning only', async () => {
    const dir = await tmp();
    const rom = await readFile(YELLOW);
    const first = new RomBackground({ rom, sha1: 'abc', layout: await layout(), cacheDir: dir, log: silentLogger() });
    expect(first.current).toBeUndefined(); // nothing in the constructor's turn
    expect(await first.ready).toMatchObject({ kind: 'rendered', maps: 225, failed: 0 });
    const file = cacheFile(dir, 'abc', 'kanto-map-layout');
    expect(Buffer.from(first.current!.bytes).equals(await readFile(file))).toBe(true);
    const png = PNG.sync.read(await readFile(file));
    expect([png.width, png.height]).toEqual([436 * 16, 444 * 16]);
    await writeFile(file, Buffer.concat([Buffer.from(first.current!.bytes.subarray(0, 8)), Buffer.from('marker')]));
    const second = new RomBackground({ rom, sha1: 'abc', layout: await layout(), cacheDir: dir, log: silentLogger() });
    expect(await second.ready).toEqual({ kind: 'cached', file });
    expect(Buffer.from(second.current!.bytes).toString('latin1')).toMatch(/marker$/);

    const locked = await tmp();
    await mkdir(join(locked, 'maps'));
    await chmod(join(locked, 'maps'), 0o500);
    const { log, lines } = capturedLogger();
    const third = new RomBackground({ rom, sha1: 'abc', layout: await layout(), cacheDir: locked, log });
    const outcome = await third.ready;
    if (process.getuid?.() !== 0) {
      expect(outcome.kind).toBe('rendered');
      expect(lines.some((l) => String(l['msg']).startsWith('could not cache the map background'))).toBe(true);
    }
    expect(third.current).toBeDefined();
  }, 30_000);
});

describe.skipIf(!hasYellow)('GET /api/map/background', () => {
  it('serve: starts at once with the background pending, then serves the picture drawn from the ROM', async () => {
    const serving = await serve(testServeOptions({ rom: YELLOW, cacheDir: await tmp() }));
    try {
      const first = (await (await fetch(`${serving.server.url}api/map/layout`)).json()) as { background: boolean; backgroundPending: boolean };
      expect(first.background || first.backgroundPending).toBe(true);
      let layoutBody = first;
      for (let i = 0; i < 100 && !layoutBody.background; i++) {
        await new Promise((r) => setTimeout(r, 100));
        layoutBody = (await (await fetch(`${serving.server.url}api/map/layout`)).json()) as typeof first;
      }
      expect(layoutBody).toMatchObject({ background: true, backgroundPending: false });
      const res = await fetch(`${serving.server.url}api/map/background`);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(PNG.sync.read(Buffer.from(await res.arrayBuffer()))).toMatchObject({ width: 6976, height: 7104 });
    } finally {
      await serving.stop();
    }
  }, 30_000);

  it('serve of a non-Pokémon ROM: no background, nothing pending, a 404 that says where one comes from', async () => {
    const serving = await serve(testServeOptions({ cacheDir: await tmp() }));
    try {
      await new Promise((r) => setTimeout(r, 50));
      expect(await (await fetch(`${serving.server.url}api/map/layout`)).json()).toMatchObject({ background: false, backgroundPending: false });
      const res = await fetch(`${serving.server.url}api/map/background`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'GBS_ERR_NOT_FOUND', message: expect.stringContaining('--map-rom') });
    } finally {
      await serving.stop();
    }
  });

  it('hub --map-rom: the background for published and StreamWrapper agents', async () => {
    const dir = await tmp();
    const hub = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, log: silentLogger(), mapRom: YELLOW, cacheDir: dir });
    try {
      let res = await fetch(`${hub.server.url}api/map/background`);
      for (let i = 0; i < 100 && res.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        res = await fetch(`${hub.server.url}api/map/background`);
      }
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      await hub.stop();
    }
  }, 30_000);
});

describe('gbstream render-map', () => {
  it.skipIf(!hasYellow)('writes the world PNG from Yellow', async () => {
    const out = join(await tmp(), 'kanto.png');
    const r = await runCli(['render-map', YELLOW, '--png', out], 30_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote .*kanto\.png — 225 maps of "kanto-map-layout", 6976×7104 px/);
    expect(PNG.sync.read(await readFile(out))).toMatchObject({ width: 6976, height: 7104 });
  }, 30_000);

  it('refuses a ROM that is not Pokémon Red/Blue/Yellow in one line, and a missing one', async () => {
    const dir = await tmp();
    const r = await runCli(['render-map', BLARGG, '--png', join(dir, 'x.png')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`gbstream: ROM "${BLARGG}" (title "CPU_INSTRS") is not Pokémon Red, Blue or Yellow: it has no map data gbstream can read\n`);
    expect(existsSync(join(dir, 'x.png'))).toBe(false);
    const missing = await runCli(['render-map', 'nope.gb', '--png', join(dir, 'x.png')]);
    expect(missing.stderr).toBe('gbstream: ROM file "nope.gb" does not exist\n');
  });

  it('has --help', async () => {
    const r = await runCli(['render-map', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--png <file>');
  });
});
