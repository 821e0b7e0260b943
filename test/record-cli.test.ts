import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

function expectCleanFailure(result: { code: number | null; stderr: string }, pattern: RegExp) {
  expect(result.code).toBe(1);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}

describe('gbstream inspect', () => {
  it('describes a good recording, as text and as JSON', async () => {
    const text = await runCli(['inspect', fixture('good.gbrec')]);
    expect(text.code).toBe(0);
    for (const want of ['GBSTREAM DEMO', '1.9 s', '20 (10 fps measured', 'seq 0 … 19', 'x, y, room', 'damage     none']) expect(text.stdout).toContain(want);
    const json = await runCli(['inspect', fixture('good.gbrec'), '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ size: 55998, frames: 20, events: 1, durationMs: 1900, fps: 10, measuredFps: 10, envs: 1, truncated: false, corrupt: 0, issues: [] });
    expect(report.rom.title).toBe('GBSTREAM DEMO');
    expect(report.first).toEqual({ seq: 0, frame: 6 });
    expect(report.last).toEqual({ seq: 19, frame: 120 });
    expect(report.fields).toContain('score');
  });

  it('exits 0 for a truncated or corrupted file and reports the damage with offsets', async () => {
    const truncated = JSON.parse((await runCli(['inspect', fixture('truncated.gbrec'), '--json'])).stdout);
    expect(truncated).toMatchObject({ frames: 19, truncated: true, corrupt: 0 });
    expect(truncated.issues[0]).toMatchObject({ kind: 'truncated', afterRecord: 20, bytes: 891 });
    const text = await runCli(['inspect', fixture('corrupted.gbrec')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/corrupt record at byte \d+ \(GBS_ERR_BAD_LENGTH/);
    expect(text.stdout).toMatch(/corrupt record at byte \d+ \(GBS_ERR_BAD_MSGPACK.*resumed at byte \d+/);
    const corrupted = JSON.parse((await runCli(['inspect', fixture('corrupted.gbrec'), '--json'])).stdout);
    expect(corrupted).toMatchObject({ frames: 18, truncated: false, corrupt: 2 });
  });

  it('refuses missing, empty and foreign files with one line and exit 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbs-inspect-'));
    await writeFile(join(dir, 'empty.gbrec'), '');
    expectCleanFailure(await runCli(['inspect', join(dir, 'missing.gbrec')]), /no such recording: ".*missing.gbrec"/);
    expectCleanFailure(await runCli(['inspect', join(dir, 'empty.gbrec')]), /empty, not a gbstream recording/);
    expectCleanFailure(await runCli(['inspect', 'src/demo/gbstream-demo.gbc']), /not a gbstream recording/);
    expectCleanFailure(await runCli(['inspect', dir]), /is a directory/);
  });
});

describe('gbstream export', () => {
  it('writes one PNG per selected frame, decoded at the right size and scale', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbs-export-'));
    const all = await runCli(['export', fixture('good.gbrec'), '--png', join(dir, 'all')]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('wrote 20 PNG files');
    // Not a terminal: plain progress lines, not a redrawn bar.
    expect(all.stderr).toMatch(/^export: 20\/20 \(100%\)$/m);
    expect(all.stderr).not.toContain('\r');
    const files = (await readdir(join(dir, 'all'))).sort();
    expect(files).toHaveLength(20);
    expect(files[0]).toBe('env0-frame-000000.png');
    const png = PNG.sync.read(await readFile(join(dir, 'all', files[0]!)));
    expect([png.width, png.height]).toEqual([160, 144]);

    const some = await runCli(['export', fixture('good.gbrec'), '--png', join(dir, 'some'), '--from', '0.5', '--to', '1.5', '--every', '2', '--scale', '3']);
    expect(some.code).toBe(0);
    // Frames at 0.5 … 1.5 s are seq 5 … 15 (11 frames); every 2nd: 5, 7, …, 15.
    const picked = (await readdir(join(dir, 'some'))).sort();
    expect(picked).toEqual([5, 7, 9, 11, 13, 15].map((s) => `env0-frame-${String(s).padStart(6, '0')}.png`));
    const big = PNG.sync.read(await readFile(join(dir, 'some', picked[0]!)));
    expect([big.width, big.height]).toEqual([480, 432]);
  });

  it('writes a contact sheet of evenly spaced thumbnails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbs-sheet-'));
    const sheet = join(dir, 'sheet.png');
    const result = await runCli(['export', fixture('good.gbrec'), '--contact-sheet', sheet, '--thumbnails', '6']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('6 thumbnails');
    const png = PNG.sync.read(await readFile(sheet));
    // 3 columns × 2 rows of 160×(144 + 18) cells with 4 px gaps.
    expect([png.width, png.height]).toEqual([4 + 3 * 164, 4 + 2 * 166]);
  });

  it('refuses bad export options with one line quoting the value', async () => {
    expectCleanFailure(await runCli(['export', fixture('good.gbrec')]), /nothing to export/);
    const bad = await runCli(['export', fixture('good.gbrec'), '--png', 'x', '--scale', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/`scale`.*`0`/);
    expectCleanFailure(await runCli(['export', fixture('good.gbrec'), '--png', join(tmpdir(), 'gbs-none'), '--from', '10']), /no frames between 10 s/);
  });
});

describe('gbstream serve recording options', () => {
  it('refuses bad rotation values and rotation without a destination', async () => {
    const bad = await runCli(['serve', '--record', 'x.gbrec', '--record-max-mb', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/`record-max-mb`.*`0`/);
    expectCleanFailure(await runCli(['serve', '--record-max-min', '5']), /need --record FILE or --record-dir DIR/);
    expectCleanFailure(await runCli(['serve', '--port', '0', '--record', '/nonexistent-dir/x.gbrec']), /cannot record to "\/nonexistent-dir\/x.gbrec": the folder "\/nonexistent-dir" does not exist \(create it, or use --record-dir, which does\)/);
  });

  it('never truncates an existing recording: refuses with one line and exit 1, file untouched (issue 12 item 3)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbs-keep-'));
    const file = join(dir, 'run.gbrec');
    await writeFile(file, 'an earlier recording');
    expectCleanFailure(await runCli(['serve', '--port', '0', '--record', file]), /"[^"]*run\.gbrec" exists.*never overwrites/);
    expect(await readFile(file, 'utf8')).toBe('an earlier recording');
    // An earlier run's rotated file would be overwritten by this run's rotation: refused too.
    const other = join(dir, 'other.gbrec');
    await writeFile(join(dir, 'other-001.gbrec'), 'earlier rotated file');
    expectCleanFailure(await runCli(['serve', '--port', '0', '--record', other, '--record-max-mb', '1']), /"[^"]*other-001\.gbrec" exists.*never overwrites/);
    expect(await readFile(join(dir, 'other-001.gbrec'), 'utf8')).toBe('earlier rotated file');
    expect((await readdir(dir)).sort()).toEqual(['other-001.gbrec', 'run.gbrec']);
  });
});
