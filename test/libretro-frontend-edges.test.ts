/**
 * The libretro frontend's edges (issue 22 item 13), on a real core built here from
 * test/fixtures/fake-core.c with cc: symbol binding (RTLD_DEEPBIND), hardware frames, a refused
 * ROM loaded again, the dropped-messages note, a failed save's code, and a noexec temp dir
 * (a real noexec tmpfs in a user namespace, when `unshare -r -m` is allowed here).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryLoadLibretroBinding, type LibretroBinding } from '../src/emulator/libretro-binding.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { ErrorCode } from '../src/protocol/constants.js';

const addon = tryLoadLibretroBinding();
const cc = spawnSync('cc', ['--version']);
const missing = 'reason' in addon ? `libretro addon unavailable: ${addon.reason}` : cc.status !== 0 ? 'no C compiler (cc)' : undefined;
if (missing) console.warn(`skipping libretro frontend edge tests: ${missing}`);
const unshare = spawnSync('unshare', ['-r', '-m', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o noexec tmpfs "$d" && umount "$d" && rmdir "$d"']);
const canNoexec = unshare.status === 0;

/** Runs `body` (an ES module body with `b`, the binding, and `core`, the fake core's path) in a child node: a crash fails the test, not the test runner. */
function inChild(core: string, body: string, shell?: string): { status: number | null; out: string } {
  const script = `import { tryLoadLibretroBinding } from ${JSON.stringify(join(PACKAGE_ROOT, 'dist/emulator/libretro-binding.js'))};
const b = tryLoadLibretroBinding().binding; const core = ${JSON.stringify(core)};
${body}`;
  const node = [process.execPath, '--input-type=module', '-e', script];
  const r = shell ? spawnSync('unshare', ['-r', '-m', 'sh', '-c', shell, 'sh', ...node], { encoding: 'utf8' }) : spawnSync(node[0]!, node.slice(1), { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.skipIf(missing !== undefined)('libretro frontend edges, on a fake core', () => {
  let dir: string;
  let core: string;
  let b: LibretroBinding;
  const rom = (text: string, size = 256) => {
    const bytes = Buffer.alloc(size);
    bytes.write(text);
    return bytes;
  };
  const open = (text: string) => {
    const h = b.open(core, dir, dir, dir);
    b.loadGame(h, rom(text), 'fake.gb');
    return h;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gbs-fake-core-'));
    core = join(dir, 'fake_libretro.so');
    // -O0 and default visibility: the core's call to its own zlibVersion() goes through the PLT,
    // as a real core's calls into a bundled zlib do.
    const built = spawnSync('cc', ['-shared', '-fPIC', '-O0', '-I', join(PACKAGE_ROOT, 'native/src'), '-o', core, join(PACKAGE_ROOT, 'test/fixtures/fake-core.c')], { encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    b = (addon as { binding: LibretroBinding }).binding;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('binds the core’s calls to its own symbols, not Node’s zlib (RTLD_DEEPBIND)', () => {
    const h = open('zlib');
    expect(b.messages(h)).toContain('zlibVersion=fake-core-zlib');
    b.close(h);
  });

  it('takes a hardware frame as no software frame: no crash, no pixels, one warning', () => {
    const r = inChild(core, `const h = b.open(core, ${JSON.stringify(dir)}, ${JSON.stringify(dir)}, ${JSON.stringify(dir)});
b.loadGame(h, Buffer.from('hw'), 'fake.gb'); b.run(h, 3, 0);
console.log(JSON.stringify({ size: b.frameSize(h), counters: b.counters(h), messages: b.messages(h) })); b.close(h);`);
    expect(r.status, r.out).toBe(0);
    const seen = JSON.parse(r.out.trim().split('\n').pop()!) as { size: number[]; counters: number[]; messages: string };
    expect(seen.size).toEqual([0, 0]);
    expect(seen.counters[0]).toBe(3);
    expect(seen.messages.match(/hardware-rendered/g)).toHaveLength(1);
  });

  it('frees the ROM copy of a refused load when the next load comes', () => {
    const h = b.open(core, dir, dir, dir);
    const big = rom('refuse', 4 << 20);
    const tries = 40; // 160 MB if every refused copy stayed
    expect(() => b.loadGame(h, big, 'fake.gb')).toThrow(); // the first copy, kept until the next load
    const before = process.memoryUsage().rss;
    for (let i = 0; i < tries; i++) expect(() => b.loadGame(h, big, 'fake.gb')).toThrow(expect.objectContaining({ code: 'GBS_ERR_CORE_REFUSED' }));
    const grown = process.memoryUsage().rss - before;
    expect(grown, `RSS grew ${(grown / 2 ** 20).toFixed(0)} MB over ${tries} refused 4 MiB loads`).toBeLessThan(32 * 2 ** 20);
    b.loadGame(h, rom('fine'), 'fake.gb'); // and a good ROM still loads on the same core
    b.run(h, 1, 0);
    expect(b.frameSize(h)).toEqual([160, 144]);
    b.close(h);
  });

  it('keeps room for the "(N more messages dropped)" note when the core floods the log', () => {
    const h = open('log=2000');
    const lines = b.messages(h).split('\n').filter(Boolean);
    const kept = lines.filter((l) => l.includes('chatter')).length;
    expect(kept).toBeGreaterThan(50);
    expect(lines.at(-1)).toBe(`(${2000 - kept} more messages dropped)`);
    expect(b.messages(h)).toBe(''); // said once
    b.close(h);
  });

  it('reports a failed save as GBS_ERR_CORE_SAVE, not a load error', () => {
    expect(ErrorCode.CoreSave).toBe('GBS_ERR_CORE_SAVE');
    const h = open('nosave');
    expect(() => b.saveState(h)).toThrow(expect.objectContaining({ code: ErrorCode.CoreSave, message: 'the core failed to save its state' }));
    b.close(h);
  });

  it.skipIf(!canNoexec)('a noexec temp dir: the load error says to set TMPDIR', () => {
    const shell = 'd=$(mktemp -d) && mount -t tmpfs -o noexec tmpfs "$d" && TMPDIR="$d" exec "$@"';
    const r = inChild(core, `import { tmpdir } from 'node:os';
try { b.open(core, tmpdir(), tmpdir(), tmpdir()); console.log('opened'); } catch (err) { console.log(JSON.stringify({ code: err.code, message: err.message })); }`, shell);
    expect(r.status, r.out).toBe(0);
    const seen = JSON.parse(r.out.trim().split('\n').pop()!) as { code: string; message: string };
    expect(seen.code).toBe('GBS_ERR_CORE_LOAD');
    expect(seen.message).toMatch(/failed to map segment.*mounted noexec: set TMPDIR to a directory that allows executables/);
  });
});
