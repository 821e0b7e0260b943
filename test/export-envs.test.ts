/**
 * Export of a multi-env recording (issue 12 item 14): `seq` is per env, so PNG names carry the
 * env and no file overwrites another; `--every` counts within each env; the contact sheet labels
 * each thumbnail with its env. The recording is written by the real Recorder to a real file.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../src/protocol/record.js';
import { exportPngs, pngName, selectFrames, thumbnailLabel } from '../src/record/export.js';
import { openRecording, type FrameEntry } from '../src/record/index.js';
import { Recorder } from '../src/record/recorder.js';
import { testHello } from './helpers/bare-server.js';

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
