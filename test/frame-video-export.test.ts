/**
 * `export --mp4 --grid` and `--episode` on a *frame* recording (no --rom): a real server's
 * `--record-mode both --format png` recording of two envs, env 0 reset once. A lossless MP4 of an
 * episode decodes to exactly the recorded frames of that episode (those between its start record
 * and the next); a grid MP4 tiles both envs, each tile the env's newest recorded frame at that
 * picture's time; a frames-only recording, or --grid with --episode, is one line and exit 1.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../src/app/serve.js';
import { decodeRecords } from '../src/protocol/record.js';
import { gridEntries } from '../src/record/frame-video.js';
import type { FrameEntry } from '../src/record/index.js';
import { runCli } from './helpers/cli.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';
import { ffmpegMissing } from './helpers/ffmpeg.js';

const dir = mkdtempSync(join(tmpdir(), 'gbs-framevideo-'));
const both = join(dir, 'both.gbrec');
const framesOnly = join(dir, 'frames.gbrec');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Rec = Record<string, unknown> & { type: string };
let records: Rec[] = [];

async function record(file: string, recordMode: 'both' | 'frames'): Promise<void> {
  const serving = await serve(testServeOptions({ envs: 2, fps: 10, speed: 1, format: 'png', policy: { kind: 'random' }, control: { mode: 'open' }, record: { file }, recordMode, checkpointS: 1 }));
  try {
    const c = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
    await c.opened();
    await sleep(1500);
    if (recordMode === 'both') expect((await c.request({ type: 'command', id: 1, env: 0, name: 'reset' }, 30_000)).type).toBe('ack');
    await sleep(1500);
    c.ws.close();
  } finally {
    await serving.stop();
  }
}

beforeAll(async () => {
  await record(both, 'both');
  await record(framesOnly, 'frames');
  records = decodeRecords(new Uint8Array(await readFile(both))) as Rec[];
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rgb = async (png: Uint8Array) => sharp(png).removeAlpha().raw().toBuffer();
const decode = (mp4: string) => execFileSync('ffmpeg', ['-loglevel', 'error', '-i', mp4, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 28 });

describe.skipIf(ffmpegMissing !== undefined)(`export --mp4 of a frame recording${ffmpegMissing ? ` (skipped: ${ffmpegMissing})` : ''}`, () => {
  it('--episode 0:1 is exactly the recorded frames of env 0 after its reset', async () => {
    const episodeOf = new Map<number, number>();
    const frames: Uint8Array[] = [];
    for (const m of records) {
      const env = m['env'] as number;
      if (m.type === 'start') episodeOf.set(env, (episodeOf.get(env) ?? -1) + 1);
      if (m.type === 'frame' && env === 0 && episodeOf.get(0) === 1) frames.push(m['data'] as Uint8Array);
    }
    expect(frames.length).toBeGreaterThan(3);
    const mp4 = join(dir, 'ep.mp4');
    const r = await runCli(['export', both, '--mp4', mp4, '--lossless', '--episode', '0:1'], 60_000);
    expect(r.code, r.stderr).toBe(0);
    const raw = decode(mp4);
    expect(raw.length).toBe(frames.length * 160 * 144 * 3);
    for (const [i, png] of frames.entries()) expect(Buffer.compare(await rgb(png), raw.subarray(i * 69120, (i + 1) * 69120)), `frame ${i}`).toBe(0);
  }, 120_000);

  it('--grid tiles both envs: each tile is the env\'s newest recorded frame at that picture\'s time', async () => {
    const mp4 = join(dir, 'grid.mp4');
    const r = await runCli(['export', both, '--mp4', mp4, '--lossless', '--grid', '--fps', '5'], 60_000);
    expect(r.code, r.stderr).toBe(0);
    const frames = records.filter((m) => m.type === 'frame');
    const start = Math.min(...frames.map((m) => m['ts'] as number));
    const end = Math.max(...frames.map((m) => m['ts'] as number));
    const count = Math.floor(((end - start) * 5) / 1000) + 1;
    const raw = decode(mp4);
    expect(raw.length).toBe(count * 320 * 144 * 3);
    // The last picture: each env's newest frame at or before its time.
    const t = start + ((count - 1) * 1000) / 5;
    for (const env of [0, 1]) {
      const newest = frames.filter((m) => m['env'] === env && (m['ts'] as number) <= t).at(-1)!;
      const tile = await rgb(newest['data'] as Uint8Array);
      const picture = raw.subarray((count - 1) * 320 * 144 * 3);
      for (let y = 0; y < 144; y++) {
        const row = picture.subarray((y * 320 + env * 160) * 3, (y * 320 + env * 160 + 160) * 3);
        expect(Buffer.compare(row, tile.subarray(y * 480, (y + 1) * 480)), `env ${env} row ${y}`).toBe(0);
      }
    }
  }, 120_000);

  it('refuses in one line with exit 1: --episode of a frames-only recording, --grid with --episode', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['export', framesOnly, '--mp4', join(dir, 'a.mp4'), '--episode', '0:0'], /holds frames only; episodes are marked by an input log \(record with --record-mode both\)/],
      [['export', both, '--mp4', join(dir, 'b.mp4'), '--episode', '0:9'], /env 0 has episodes 0–1, not 9/],
      [['export', both, '--mp4', join(dir, 'c.mp4'), '--grid', '--episode', '0:0'], /give one of --grid and --episode/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, 30_000);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  }, 60_000);
});

describe('gridEntries', () => {
  it('holds each env\'s newest frame at each picture\'s time, nothing before its first', () => {
    const f = (env: number, ts: number, offset: number) => ({ type: 'frame', env, ts, seq: 0, frame: 0, offset, length: 1 }) as FrameEntry;
    const frames = [f(0, 1000, 1), f(1, 1150, 2), f(0, 1210, 3), f(1, 1400, 4)];
    const grid = [...gridEntries(frames, [0, 1], 10)].map((p) => p.map((e) => e?.offset));
    expect(grid).toEqual([[1, undefined], [1, undefined], [1, 2], [3, 2], [3, 4]]);
  });

  it('takes a long recording (300,000 frames: 64 envs for 8 minutes at 10 fps) without overflowing the stack', () => {
    const frames = Array.from({ length: 300_000 }, (_, i) => ({ type: 'frame', env: i % 64, ts: 1000 + Math.floor(i / 64) * 100, seq: 0, frame: 0, offset: i, length: 1 }) as FrameEntry);
    const pictures = gridEntries(frames, [0, 63], 1);
    expect(pictures.next().value?.map((e: FrameEntry | undefined) => e?.offset)).toEqual([0, 63]);
  });
});
