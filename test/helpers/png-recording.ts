/** A small PNG recording of `envs` envs (flat shades), `frames` frames each, `stepMs` apart: real PNG bytes. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsPngEncoder } from '../../src/encode/png-js-encoder.js';
import { encodeRecord } from '../../src/protocol/record.js';
import { Recorder } from '../../src/record/recorder.js';
import { testHello } from './bare-server.js';
import { shadeOf } from './ts-publisher.js';

export const RECORDING_START_TS = 1_700_000_000_000;

export async function writePngRecording(o: { envs?: number; frames?: number; stepMs?: number } = {}): Promise<string> {
  const envs = o.envs ?? 2;
  const frames = o.frames ?? 10;
  const stepMs = o.stepMs ?? 100;
  const path = join(await mkdtemp(join(tmpdir(), 'gbs-png-rec-')), 'two-envs.gbrec');
  const encoder = new JsPngEncoder();
  const images = await Promise.all(Array.from({ length: envs }, (_, env) => encoder.encode(new Uint8Array(160 * 144 * 3).fill(shadeOf(env)), 160, 144, 3)));
  const recorder = new Recorder({ hello: { ...testHello, envs, format: 'png' }, nextPath: () => path, onEvent: () => undefined });
  await recorder.start();
  for (let seq = 0; seq < frames; seq++) {
    for (let env = 0; env < envs; env++) {
      recorder.frame(encodeRecord({ type: 'frame', env, seq, frame: seq, ts: RECORDING_START_TS + seq * stepMs, width: 160, height: 144, format: 'png', data: images[env]!, state: { seq } }));
    }
  }
  await recorder.close();
  return path;
}
