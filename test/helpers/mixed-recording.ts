/**
 * Writes a recording whose format changes mid-run: `jpegFrames` JPEG frames of the demo ROM, then
 * `pngFrames` PNG frames (as after a restart with `--format png`), `stepMs` apart, under a hello
 * from before PNG frames existed (no `format` field).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { ServerboyEmulator } from '../../src/emulator/serverboy.js';
import { JsPngEncoder } from '../../src/encode/png-js-encoder.js';
import { SharpEncoder } from '../../src/encode/sharp-encoder.js';
import type { FrameFormat, HelloMessage } from '../../src/protocol/messages.js';
import { encodeRecord } from '../../src/protocol/record.js';

const W = 160;
const H = 144;

export const oldHello = {
  type: 'hello',
  protocol: 1,
  server: 'gbstream test',
  rom: { title: 'GBSTREAM DEMO', cgb: 'cgb-enhanced', cartridgeType: 0, cartridgeName: 'ROM ONLY', size: 32768, sha1: '0'.repeat(40), headerChecksumOk: true },
  envs: 1,
  fps: 10,
  width: W,
  height: H,
  speed: 1,
  map: null,
  fields: [],
  encoder: 'sharp',
  control: false,
} satisfies HelloMessage;

export interface MixedFrame {
  format: FrameFormat;
  /** The image bytes as recorded. */
  data: Uint8Array;
  /** The emulator's RGB screen the frame was made from. */
  rgb: Uint8Array;
}

export async function writeMixedRecording(file: string, jpegFrames = 3, pngFrames = 3, stepMs = 100): Promise<MixedFrame[]> {
  const emu = new ServerboyEmulator(new Uint8Array(await readFile('src/demo/gbstream-demo.gbc')));
  const jpeg = new SharpEncoder({ quality: 80 });
  const png = new JsPngEncoder();
  const frames: MixedFrame[] = [];
  for (let i = 0; i < jpegFrames + pngFrames; i++) {
    for (let f = 0; f < 30; f++) emu.step();
    const rgb = emu.screenRgb().slice();
    const format: FrameFormat = i < jpegFrames ? 'jpeg' : 'png';
    frames.push({ format, rgb, data: await (format === 'jpeg' ? jpeg : png).encode(rgb, W, H, 3) });
  }
  const records = [
    encodeRecord(oldHello),
    ...frames.map((f, seq) => encodeRecord({ type: 'frame', env: 0, seq, frame: (seq + 1) * 30, ts: 1_000_000 + seq * stepMs, width: W, height: H, format: f.format, data: f.data, state: {} })),
  ];
  await writeFile(file, Buffer.concat(records));
  return frames;
}
