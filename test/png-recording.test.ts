/**
 * Recordings with PNG frames, and mixed ones (the format changes mid-run): the index and
 * `inspect` count each format, `export` writes a PNG frame byte for byte (re-encoding only when
 * scaling) and decodes JPEG frames as before, the contact sheet takes both, and `replay` sends
 * both unchanged.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, inspectReport } from '../src/cli/inspect.js';
import { replay } from '../src/app/replay.js';
import { silentLogger } from '../src/log.js';
import { decodeRecords } from '../src/protocol/record.js';
import { exportPngs, pngName, writeContactSheet } from '../src/record/export.js';
import { openRecording, type Recording } from '../src/record/index.js';
import { runCli } from './helpers/cli.js';
import { writeMixedRecording, type MixedFrame } from './helpers/mixed-recording.js';
import { TestClient } from './helpers/ws-client.js';

const W = 160;
const H = 144;

let dir: string;
let file: string;
let frames: MixedFrame[];
let recording: Recording;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gbs-png-rec-'));
  file = join(dir, 'mixed.gbrec');
  frames = await writeMixedRecording(file);
  recording = await openRecording(file);
});

afterAll(async () => {
  await recording?.close();
});

const rgbOf = (img: Uint8Array | string) => sharp(img).removeAlpha().raw().toBuffer({ resolveWithObject: true });

describe('a mixed JPEG/PNG recording', () => {
  it('indexes each frame with its format; inspect counts them', () => {
    expect(recording.index.frames.map((f) => f.format)).toEqual(['jpeg', 'jpeg', 'jpeg', 'png', 'png', 'png']);
    const report = inspectReport(file, recording.index);
    expect(report.formats).toEqual({ jpeg: 3, png: 3 });
    expect(report.format).toBeUndefined();
    expect(formatReport(report)).toMatch(/^formats {4}jpeg 3, png 3$/m);
    expect(report.issues).toEqual([]);
  });

  it('exports PNG frames byte for byte and JPEG frames decoded, at scale 1', async () => {
    const out = join(dir, 'x1');
    const files = await exportPngs(recording, { dir: out });
    expect(files).toHaveLength(6);
    for (const [i, f] of frames.entries()) {
      const written = await readFile(join(out, pngName(recording.index.frames[i]!)));
      if (f.format === 'png') {
        expect(written.equals(Buffer.from(f.data))).toBe(true);
      } else {
        // The decoded JPEG, losslessly: what a viewer showed.
        expect((await rgbOf(written)).data.equals((await rgbOf(f.data)).data)).toBe(true);
      }
    }
  });

  it('re-encodes PNG frames only when scaling, keeping every pixel square', async () => {
    const out = join(dir, 'x2');
    await exportPngs(recording, { dir: out, scale: 2 });
    const last = frames[5]!;
    const img = PNG.sync.read(await readFile(join(out, pngName(recording.index.frames[5]!))));
    expect([img.width, img.height]).toEqual([W * 2, H * 2]);
    let mismatches = 0;
    for (let y = 0; y < H * 2; y++) {
      for (let x = 0; x < W * 2; x++) {
        const s = ((y >> 1) * W + (x >> 1)) * 3;
        const d = (y * W * 2 + x) * 4;
        if (img.data[d] !== last.rgb[s] || img.data[d + 1] !== last.rgb[s + 1] || img.data[d + 2] !== last.rgb[s + 2]) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
  });

  it('makes a contact sheet from both formats', async () => {
    const sheet = await writeContactSheet(recording, { file: join(dir, 'sheet.png'), thumbnails: 6 });
    expect(sheet.thumbnails).toBe(6);
    const { info } = await rgbOf(sheet.file);
    expect([info.width, info.height]).toEqual([sheet.width, sheet.height]);
  });

  it('inspect on the command line shows the formats', async () => {
    const text = await runCli(['inspect', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('formats    jpeg 3, png 3');
  });

  it('replays both formats unchanged, each frame saying which it is', async () => {
    const running = await replay({ file, port: 0, host: '127.0.0.1', speed: 1, loop: false, log: silentLogger() });
    const client = new TestClient(running.server.url.replace(/^http/, 'ws') + 'ws');
    try {
      await client.waitFor((m) => m.type === 'event' && m['code'] === 'GBS_REPLAY_END', 15_000);
      // The player starts at once, so the first frames may go out before this client joins.
      const got = client.of('frame');
      expect(got.length).toBeGreaterThanOrEqual(4);
      for (const m of got) {
        const sent = frames[m['seq'] as number]!;
        expect(m['format']).toBe(sent.format);
        expect(Buffer.from(m['data'] as Uint8Array).equals(Buffer.from(sent.data))).toBe(true);
      }
      expect(got.map((m) => m['format']).slice(-3)).toEqual(['png', 'png', 'png']);
      // And a reader of the raw records sees the same.
      expect(decodeRecords(await readFile(file)).filter((r) => r.type === 'frame')).toHaveLength(6);
    } finally {
      client.ws.close();
      await running.stop();
    }
  });
});
