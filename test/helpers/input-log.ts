/**
 * Helpers for input-log tests: a real core wrapped in the logger, driven through every kind of
 * call an env makes (held runs, one-frame holds, run(), reset, state load), with a hash of every
 * live picture kept by (episode, frame) to compare re-renders against.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createEmulator, type CoreChoice } from '../../src/emulator/create-emulator.js';
import { InputLoggingEmulator } from '../../src/emulator/input-logging.js';
import { PROTOCOL_VERSION } from '../../src/protocol/constants.js';
import { maskButtons } from '../../src/protocol/input-log.js';
import { decodeRecords, encodeRecord } from '../../src/protocol/record.js';
import { memoryByteSource } from '../../src/record/file-reader.js';
import { readInputLog, type InputLog } from '../../src/record/inputs/input-log-index.js';
import { Rerenderer, romSha1 } from '../../src/record/inputs/rerender.js';

export const hashOf = (rgb: Uint8Array) => createHash('sha1').update(rgb).digest('hex');

export interface LiveRun {
  /** The recording's bytes: a hello, then the log records in order. */
  bytes: Uint8Array;
  /** Offsets of every record in `bytes` (for cutting and corrupting). */
  offsets: number[];
  /** Picture hash by `${episode}:${frame}`. */
  pictures: Map<string, string>;
  checkpoints: number;
}

export function helloRecord(rom: Uint8Array, core: string): Uint8Array {
  return encodeRecord({
    type: 'hello', protocol: PROTOCOL_VERSION, server: 'test', envs: 1, fps: 10, width: 160, height: 144, speed: 'max', map: null, fields: [], encoder: 'none', core, control: false,
    rom: { title: 'T', cgb: 'dmg', cartridgeType: 0, cartridgeName: 'ROM', size: rom.length, sha1: romSha1(rom), headerChecksumOk: true },
  });
}

/**
 * Runs `frames` frames of seeded random play on a logged core, with a reset after a third and a
 * state load (of a state saved early on) after two thirds (unless `jumps` is false).
 */
export async function liveRun(romPath: string, core: CoreChoice, frames: number, checkpointS: number, seed = 1, jumps = true): Promise<LiveRun> {
  const rom = new Uint8Array(readFileSync(romPath));
  const records: Uint8Array[] = [helloRecord(rom, core.kind === 'serverboy' ? 'serverboy' : 'gambatte')];
  let checkpoints = 0;
  const emu = new InputLoggingEmulator(await createEmulator(rom, { core }), {
    env: 0, romSha1: romSha1(rom), sound: false, checkpointS, flushMs: 0,
    emit: (r) => {
      records.push(r);
      if (decodeRecords(r)[0]!.type === 'checkpoint') checkpoints++;
    },
  });
  const pictures = new Map<string, string>();
  let episode = 0;
  let s = seed | 0 || 1;
  // xorshift32: every bit of it changes (a float LCG loses its low bits).
  const rand = (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
  let saved: Uint8Array | undefined;
  const see = () => pictures.set(`${episode}:${emu.frame}`, hashOf(emu.screenRgb()));
  let done = 0;
  while (done < frames) {
    if (!jumps) {
      // one timeline
    } else if (done >= frames / 3 && episode === 0) {
      emu.markEpisode(5); // a trainer's score for episode 0 (episode 1 gets 20; 2 none)
      emu.reset();
      episode++;
    } else if (done >= (2 * frames) / 3 && episode === 1 && saved) {
      emu.markEpisode(20);
      emu.loadState(saved);
      episode++;
    }
    const buttons = maskButtons(rand(4) === 0 ? 0 : rand(256));
    const n = 1 + rand(40);
    const kind = rand(3);
    if (kind === 0) {
      // One hold for n frames, and then some frames with nothing held.
      emu.hold(buttons, n);
      for (let i = 0; i < n + 3; i++, done++) {
        emu.step();
        see();
      }
    } else if (kind === 1) {
      for (let i = 0; i < n; i++, done++) {
        emu.hold(buttons, 1);
        emu.step();
        see();
      }
    } else {
      emu.run(buttons, n);
      done += n;
      see(); // run() shows the last picture only
    }
    if (!saved && done > 50) saved = emu.saveState();
    await new Promise((resolve) => setImmediate(resolve)); // keep the test runner's heartbeat going
  }
  emu.close();
  const offsets: number[] = [];
  let at = 0;
  for (const r of records) {
    offsets.push(at);
    at += r.length;
  }
  return { bytes: Buffer.concat(records), offsets, pictures, checkpoints };
}

export function logOf(bytes: Uint8Array): Promise<InputLog> {
  return readInputLog(memoryByteSource(bytes));
}

/** Re-renders every episode; returns picture hashes by `${episode}:${frame}` and the re-renderer. */
export async function rerenderAll(log: InputLog, romPath: string): Promise<{ pictures: Map<string, string>; r: Rerenderer }> {
  const r = new Rerenderer(new Uint8Array(readFileSync(romPath)));
  const pictures = new Map<string, string>();
  try {
    for (const e of log.envs.get(0) ?? []) for await (const f of r.frames(e)) pictures.set(`${f.episode}:${f.frame}`, hashOf(f.rgb));
  } finally {
    r.close();
  }
  return { pictures, r };
}
