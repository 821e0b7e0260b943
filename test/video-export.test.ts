/**
 * Video export: the pure ffmpeg command line, and `gbstream export` as a process — a lossless MP4
 * decodes (ffmpeg) to exactly the pixels of the PNG export of the same frames; a GIF and a grid;
 * one line and exit 1 for a missing ffmpeg, an unknown env or episode, and another game's ROM.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ROM_PATH } from '../src/paths.js';
import { ffmpegArgs } from '../src/record/video-export.js';
import { runCli } from './helpers/cli.js';
import { liveRun } from './helpers/input-log.js';
import { ffmpegMissing } from './helpers/ffmpeg.js';

const BLARGG = 'node_modules/serverboy/roms/blargg_tests/cpu_instrs.gb';
const dir = mkdtempSync(join(tmpdir(), 'gbs-video-'));
const rec = join(dir, 'run.gbrec');

beforeAll(async () => {
  writeFileSync(rec, (await liveRun(DEMO_ROM_PATH, { kind: 'serverboy' }, 240, 1, 9)).bytes);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ffmpegArgs', () => {
  const base = { width: 160, height: 144, fps: 60, scale: 1, lossless: false, out: 'o' };
  it('reads raw rgb24 of the given size and rate from stdin', () => {
    const args = ffmpegArgs({ ...base, format: 'mp4' });
    expect(args.join(' ')).toContain('-f rawvideo -pix_fmt rgb24 -s 160x144 -r 60 -i -');
    expect(args.join(' ')).toContain('-c:v libx264 -pix_fmt yuv420p');
    expect(args.at(-1)).toBe('o');
  });
  it('lossless MP4 is libx264rgb at crf 0; scaling is nearest-neighbour', () => {
    const args = ffmpegArgs({ ...base, format: 'mp4', lossless: true, scale: 3 }).join(' ');
    expect(args).toContain('-c:v libx264rgb -crf 0');
    expect(args).toContain('-vf scale=iw*3:ih*3:flags=neighbor');
  });
  it('GIF goes through palettegen and paletteuse', () => {
    const args = ffmpegArgs({ ...base, format: 'gif', scale: 2 }).join(' ');
    expect(args).toMatch(/scale=iw\*2:ih\*2:flags=neighbor,split\[a\]\[b\];\[a\]palettegen.*\[b\]\[p\]paletteuse/);
    expect(args).toContain('-f gif');
  });
});

describe.skipIf(ffmpegMissing !== undefined)(`gbstream export of an input recording${ffmpegMissing ? ` (skipped: ${ffmpegMissing})` : ''}`, () => {
  it('a lossless MP4 decodes to the same pixels as the PNG export', async () => {
    const png = join(dir, 'png');
    const mp4 = join(dir, 'ep1.mp4');
    const sel = ['--rom', DEMO_ROM_PATH, '--episode', '0:1', '--from', '0.5', '--to', '1'];
    const a = await runCli(['export', rec, '--png', png, ...sel], 60_000);
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['export', rec, '--mp4', mp4, '--lossless', ...sel], 60_000);
    expect(b.code, b.stderr).toBe(0);
    const names = readdirSync(png).sort((x, y) => Number(/f(\d+)/.exec(x)![1]) - Number(/f(\d+)/.exec(y)![1]));
    expect(names.length).toBe(Math.floor(59.7275) - Math.ceil(0.5 * 59.7275) + 1);
    expect(names[0]).toBe('env0-f31.png'); // one episode selected: no frame number repeats, no episode in the name
    const raw = execFileSync('ffmpeg', ['-loglevel', 'error', '-i', mp4, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 28 });
    expect(raw.length).toBe(names.length * 160 * 144 * 3);
    for (const [i, name] of names.entries()) {
      const px = await sharp(join(png, name)).removeAlpha().raw().toBuffer();
      expect(Buffer.compare(px, raw.subarray(i * px.length, (i + 1) * px.length)), name).toBe(0);
    }
  }, 120_000);

  it('writes a GIF of the best episode and a grid MP4', async () => {
    const gif = join(dir, 'best.gif');
    const r = await runCli(['export', rec, '--gif', gif, '--rom', DEMO_ROM_PATH, '--episode', 'best', '--scale', '2', '--to', '0.5'], 60_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('wrote 30 frames');
    const meta = await sharp(gif, { animated: true }).metadata();
    expect([meta.width, meta.pages]).toEqual([320, 30]);
    const grid = join(dir, 'grid.mp4');
    const g = await runCli(['export', rec, '--mp4', grid, '--rom', DEMO_ROM_PATH, '--grid', '--to', '0.2'], 60_000);
    expect(g.code, g.stderr).toBe(0);
    expect(existsSync(grid)).toBe(true);
  }, 120_000);

  it('refuses in one line with exit 1: no ffmpeg, an unknown env or episode, another ROM', async () => {
    const cases: Array<[string[], RegExp, NodeJS.ProcessEnv?]> = [
      [['--mp4', join(dir, 'x.mp4'), '--rom', DEMO_ROM_PATH], /needs ffmpeg.*apt install ffmpeg/, { ...process.env, PATH: '/nonexistent' }],
      [['--png', join(dir, 'x'), '--rom', DEMO_ROM_PATH, '--env', '7'], /no env 7 in the input log/],
      [['--png', join(dir, 'x'), '--rom', DEMO_ROM_PATH, '--episode', '0:9'], /env 0 has episodes 0–2, not 9/],
      [['--png', join(dir, 'x'), '--rom', DEMO_ROM_PATH, '--episode', 'nine'], /Expected `episode` to be ENV:K/],
      [['--png', join(dir, 'x'), '--rom', BLARGG], /has SHA-1 [0-9a-f]{40}; the recording was made with/],
    ];
    for (const [args, message, env] of cases) {
      const r = await runCli(['export', rec, ...args], 30_000, env);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  }, 120_000);
});
