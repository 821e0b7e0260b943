/**
 * The input log against real cores (the demo ROM and a Blargg test ROM): every live picture is
 * re-rendered pixel-exact from the log; a changed button is caught at the next checkpoint; a cut
 * or corrupt log replays up to the damage.
 */
import { describe, expect, it } from 'vitest';
import { decodeRecords, encodeRecord } from '../src/protocol/record.js';
import { decodeRuns, encodeRuns, parseInputLog, type InputsMessage } from '../src/protocol/input-log.js';
import { episodeFrames } from '../src/record/inputs/input-log-index.js';
import { DEMO_ROM_PATH } from '../src/paths.js';
import type { CoreChoice } from '../src/emulator/create-emulator.js';
import { GAMBATTE, hasGambatte } from './helpers/gambatte.js';
import { hashOf, liveRun, logOf, rerenderAll } from './helpers/input-log.js';
import { Rerenderer } from '../src/record/inputs/rerender.js';
import { readFileSync } from 'node:fs';

const BLARGG = 'node_modules/serverboy/roms/blargg_tests/cpu_instrs.gb';
const cores: Array<[string, CoreChoice, boolean]> = [
  ['serverboy', { kind: 'serverboy' }, true],
  ['gambatte', { kind: 'libretro', path: GAMBATTE ?? '', name: 'gambatte' }, hasGambatte],
];

describe.each(cores)('input log on %s', (_name, core, available) => {
  const frames = core.kind === 'serverboy' ? 400 : 3000;
  it.skipIf(!available).each([['demo', DEMO_ROM_PATH], ['blargg cpu_instrs', BLARGG]])('re-renders every picture of %s pixel-exact, across a reset and a state load', async (_rom, romPath) => {
    const live = await liveRun(romPath, core, frames, core.kind === 'serverboy' ? 1 : 2);
    const log = await logOf(live.bytes);
    const episodes = log.envs.get(0)!;
    expect(episodes.map((e) => e.reason)).toEqual(['start', 'reset', 'load']);
    expect(live.checkpoints).toBeGreaterThanOrEqual(3);
    const { pictures, r } = await rerenderAll(log, romPath);
    for (const [key, hash] of live.pictures) expect(pictures.get(key), key).toBe(hash);
    expect(pictures.size).toBe(episodes.reduce((n, e) => n + episodeFrames(e), 0));
    expect(r.verified).toBe(live.checkpoints);
    expect(r.desync).toBeUndefined();
    // Seeking (nearest checkpoint, then whole runs in one core call) lands on the same pictures.
    const seeker = new Rerenderer(new Uint8Array(readFileSync(romPath)));
    try {
      for (const e of episodes) {
        for (const k of [1, 2, 3]) {
          const target = e.startFrame + Math.max(1, Math.floor((episodeFrames(e) * k) / 3));
          const got = [];
          for await (const f of seeker.frames(e, target, target)) got.push(hashOf(f.rgb));
          expect(got, `episode ${e.index} frame ${target}`).toEqual([live.pictures.get(`${e.index}:${target}`) ?? got[0]]);
        }
        await seeker.verify(e);
      }
      expect(seeker.verified).toBe(live.checkpoints);
    } finally {
      seeker.close();
    }
  }, 240_000);

  it.skipIf(!available)('changed buttons (one inputs record) are reported as a desync at the first checkpoint after them', async () => {
    const live = await liveRun(DEMO_ROM_PATH, core, frames, 1, 7, false);
    const records = decodeRecords(live.bytes);
    // Change the buttons of an inputs record halfway through.
    const cps = records.filter((m) => m.type === 'checkpoint').map((m) => m['frame'] as number);
    const at = records.findIndex((m) => m.type === 'inputs' && (m['frame'] as number) > frames / 2 && true);
    const inputs = parseInputLog(records[at]!) as InputsMessage;
    // Flip the d-pad on every run of it: the demo's sprite walks elsewhere (one short run may fall
    // between the frames the demo reads its buttons).
    const runs = decodeRuns(inputs.runs).map((run) => ({ ...run, mask: run.mask ^ 0x0f }));
    const changedFrame = inputs.frame + 1;
    records[at] = { ...records[at]!, runs: encodeRuns(runs) };
    const log = await logOf(Buffer.concat(records.map((m) => encodeRecord(m))));
    const { r } = await rerenderAll(log, DEMO_ROM_PATH);
    const next = cps.find((f) => f >= changedFrame)!;
    expect(r.desync).toEqual({ env: 0, episode: 0, frame: next });
  }, 240_000);

  it.skipIf(!available)('a log cut at any byte, or with a corrupt record, replays pixel-exact up to the damage', async () => {
    const live = await liveRun(DEMO_ROM_PATH, core, frames, 1, 3);
    const cuts = [live.bytes.length - 1, live.offsets[Math.floor(live.offsets.length / 2)]! + 3];
    // Cut anywhere: the index never throws and never claims more than was recorded.
    const full = (await logOf(live.bytes)).envs.get(0)!;
    for (let cut = live.offsets[1]!; cut < live.bytes.length; cut += Math.ceil(live.bytes.length / 300)) {
      const episodes = (await logOf(live.bytes.subarray(0, cut))).envs.get(0) ?? [];
      for (const e of episodes) expect(e.endFrame).toBeLessThanOrEqual(full[e.index]!.endFrame);
    }
    for (const cut of cuts) {
      const log = await logOf(live.bytes.subarray(0, cut));
      expect(log.issues.some((i) => i.kind === 'truncated'), `cut at ${cut}`).toBe(true);
      const { pictures, r } = await rerenderAll(log, DEMO_ROM_PATH);
      for (const [key, hash] of pictures) expect(hash, `cut at ${cut}: ${key}`).toBe(live.pictures.get(key) ?? hash);
      expect(r.desync).toBeUndefined();
    }
    // A corrupt record in the middle: the reader skips it; the episode it hit ends before it.
    const records = decodeRecords(live.bytes);
    const victim = records.findIndex((m, i) => i > 3 && m.type === 'inputs');
    const bad = Buffer.from(live.bytes);
    bad.fill(0xc1, live.offsets[victim]! + 4, live.offsets[victim]! + 12); // 0xc1: never valid msgpack
    const log = await logOf(bad);
    expect(log.issues.some((i) => i.kind === 'corrupt')).toBe(true);
    const hit = log.envs.get(0)!.find((e) => e.cut);
    expect(hit?.cut?.at).toBe(records[victim]!['frame']);
    const { pictures, r } = await rerenderAll(log, DEMO_ROM_PATH);
    expect(pictures.size).toBeGreaterThan(0);
    for (const [key, hash] of pictures) expect(hash, key).toBe(live.pictures.get(key) ?? hash);
    expect(r.desync).toBeUndefined();
  }, 240_000);
});
