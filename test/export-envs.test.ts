/**
 * Export of a multi-env recording (issue 12 item 14): `seq` is per env, so PNG names carry the
 * env and no file overwrites another; `--every` counts within each env; the contact sheet labels
 * each thumbnail with its env. Issue 27: the contact sheet gives each env its own row, `--env N`
 * picks one env, and `inspect` reports fps per env. The recording is written by the real Recorder
 * to a real file.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../src/protocol/record.js';
import { inspectReport, formatReport } from '../src/cli/inspect.js';
import { exportPngs, pngName, selectFrames, sheetLayout, thumbnailLabel, writeContactSheet } from '../src/record/export.js';
import { openRecording, type FrameEntry } from '../src/record/index.js';
import { Recorder } from '../src/record/recorder.js';
import { testHello } from './helpers/bare-server.js';
import { runCli } from './helpers/cli.js';

async function twoEnvRecording(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gbs-export-envs-'));
  const path = join(dir, 'two.gbrec');
  const jpeg = await sharp({ create: { width: 160, height: 144, channels: 3, background: '#336699' } }).jpeg().toBuffer();
  const recorder = new Recorder({ hello: testHello, nextPath: () => path, onEvent: () => undefined });
  await recorder.start();
  for (let seq = 0; seq < 4; seq++) {
    for (const env of [0, 1]) {
      // Both envs captured in the same millisecond, with the same seq: the colliding case.
      recorder.frame(encodeRecord({ type: 'frame', env, seq, frame: seq * 6, ts: 1000 + seq * 100, width: 160, height: 144, format: 'jpeg', data: jpeg, state: {} }));
    }
  }
  await recorder.close();
  return path;
}

describe('export of a multi-env recording (issue 12 item 14)', () => {
  it('names PNG files by env and seq: every frame of every env gets its own file', async () => {
    const recording = await openRecording(await twoEnvRecording());
    try {
      const out = await mkdtemp(join(tmpdir(), 'gbs-export-envs-out-'));
      const files = await exportPngs(recording, { dir: out });
      expect(files).toHaveLength(8);
      const names = (await readdir(out)).sort();
      expect(names).toHaveLength(8);
      expect(names).toContain('env0-frame-000003.png');
      expect(names).toContain('env1-frame-000003.png');
    } finally {
      await recording.close();
    }
  });

  it('--every keeps every Nth frame of each env, not of the interleaved stream', async () => {
    const recording = await openRecording(await twoEnvRecording());
    try {
      const picked = selectFrames(recording.index.frames, { every: 2 });
      expect(picked.map((f) => `${f.env}:${f.seq}`)).toEqual(['0:0', '1:0', '0:2', '1:2']);
    } finally {
      await recording.close();
    }
  });

  it('labels contact-sheet thumbnails with their env when there are several', () => {
    const entry: FrameEntry = { offset: 0, length: 1, type: 'frame', ts: 2500, env: 3, seq: 9, frame: 120 };
    expect(thumbnailLabel(entry, 1000, 4)).toBe('env 3  0:01.5  #120');
    expect(thumbnailLabel(entry, 1000, 1)).toBe('0:01.5  #120');
    expect(pngName(entry)).toBe('env3-frame-000009.png');
  });
});

describe('one env at a time, and a row per env (issue 27 items 5 and 6)', () => {
  it('inspect reports fps per env: 2 envs at 10 fps are 10 fps each, not 23', async () => {
    const file = await twoEnvRecording();
    const recording = await openRecording(file);
    try {
      const report = inspectReport(file, recording.index);
      expect(report.measuredFps).toBe(10);
      expect(report.envFps).toEqual({ 0: 10, 1: 10 });
      expect(formatReport(report)).toContain('8 (10 fps measured per env (every one over 2 envs); 10 fps configured;');
    } finally {
      await recording.close();
    }
  });

  it('lays out the contact sheet as one row per env, each spread over that env\'s own time', () => {
    const frames: FrameEntry[] = [];
    for (let seq = 0; seq < 5; seq++) for (const env of [2, 0]) frames.push({ offset: 0, length: 1, type: 'frame', ts: 1000 + seq * 100, env, seq, frame: seq });
    const { cells, rows, columns } = sheetLayout(frames, 3);
    expect({ rows, columns }).toEqual({ rows: 2, columns: 3 });
    expect(cells.map((c) => `${c.row},${c.column}:env${c.entry.env}#${c.entry.seq}`)).toEqual(['0,0:env0#0', '0,1:env0#2', '0,2:env0#4', '1,0:env2#0', '1,1:env2#2', '1,2:env2#4']);
    // One env: the square-ish grid as before.
    const one = sheetLayout(frames.filter((f) => f.env === 0), 4);
    expect({ rows: one.rows, columns: one.columns }).toEqual({ rows: 2, columns: 2 });
  });

  it('writes the sheet with a row per env, or one env\'s frames with env', async () => {
    const recording = await openRecording(await twoEnvRecording());
    try {
      const dir = await mkdtemp(join(tmpdir(), 'gbs-sheet-'));
      const both = await writeContactSheet(recording, { file: join(dir, 'both.png'), thumbnails: 4 });
      expect(both).toMatchObject({ thumbnails: 8, width: 4 + 4 * (160 + 4), height: 4 + 2 * (144 + 18 + 4) });
      const one = await writeContactSheet(recording, { file: join(dir, 'one.png'), thumbnails: 4, env: 1 });
      expect(one).toMatchObject({ thumbnails: 4, width: 4 + 2 * (160 + 4), height: 4 + 2 * (144 + 18 + 4) });
      expect((await sharp(join(dir, 'both.png')).metadata()).height).toBe(both.height);
    } finally {
      await recording.close();
    }
  });

  it('export --env N writes only that env; an env the recording lacks, or a bad value, is one clear line', async () => {
    const file = await twoEnvRecording();
    const out = await mkdtemp(join(tmpdir(), 'gbs-export-env-'));
    const ok = await runCli(['export', file, '--png', out, '--env', '1']);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['env1-frame-000000.png', 'env1-frame-000001.png', 'env1-frame-000002.png', 'env1-frame-000003.png']);
    const missing = await runCli(['export', file, '--png', out, '--env', '5']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^gbstream: no frames of env 5 in .*two\.gbrec \(its envs: 0, 1\)$/);
    const bad = await runCli(['export', file, '--png', out, '--env', '-1']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Expected `env` to be an env id (an integer ≥ 0), got `-1`.');
  });
});
