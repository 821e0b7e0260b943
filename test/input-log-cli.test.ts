/**
 * `gbstream inspect FILE` lists an input log's episodes per env (length, score); `inspect FILE
 * --verify --rom ROM` as a real process: ok (exit 0), desync (exit 3), and one line with exit 1 for
 * a ROM of another game, no --rom, a file without an input log, and `--record-mode inputs` without
 * a recording.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ROM_PATH } from '../src/paths.js';
import { decodeRuns, encodeRuns } from '../src/protocol/input-log.js';
import { decodeRecords, encodeRecord } from '../src/protocol/record.js';
import { runCli } from './helpers/cli.js';
import { helloRecord, liveRun } from './helpers/input-log.js';

const BLARGG = 'node_modules/serverboy/roms/blargg_tests/cpu_instrs.gb';
const dir = mkdtempSync(join(tmpdir(), 'gbs-verify-'));
const good = join(dir, 'good.gbrec');
const bad = join(dir, 'bad.gbrec');
const episodic = join(dir, 'episodes.gbrec');
let checkpoints = 0;

beforeAll(async () => {
  const live = await liveRun(DEMO_ROM_PATH, { kind: 'serverboy' }, 360, 1, 5, false);
  checkpoints = live.checkpoints;
  writeFileSync(good, live.bytes);
  const records = decodeRecords(live.bytes);
  const at = records.findIndex((m) => m.type === 'inputs' && (m['frame'] as number) >= 180);
  records[at] = { ...records[at]!, runs: encodeRuns(decodeRuns(records[at]!['runs'] as Uint8Array).map((r) => ({ ...r, mask: r.mask ^ 0x0f }))) };
  writeFileSync(bad, Buffer.concat(records.map((m) => encodeRecord(m))));
  // A start, a reset (episode 0 scored 5), a state load (episode 1 scored 20).
  writeFileSync(episodic, (await liveRun(DEMO_ROM_PATH, { kind: 'serverboy' }, 240, 1, 9, true)).bytes);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gbstream inspect (no --verify)', () => {
  it('lists each env\'s episodes with their length and score, as text and JSON', async () => {
    const json = await runCli(['inspect', episodic, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout);
    const [env0] = report.inputLog.envs;
    expect(report.inputLog.envs).toHaveLength(1);
    expect(env0.episodes.map((e: { reason: string; score?: number }) => [e.reason, e.score])).toEqual([['start', 5], ['reset', 20], ['load', undefined]]);
    expect(env0.frames).toBe(env0.episodes.reduce((n: number, e: { frames: number }) => n + e.frames, 0));
    expect(env0.frames).toBeGreaterThanOrEqual(240);
    for (const e of env0.episodes) expect(e.frames).toBe(e.endFrame - e.startFrame);

    const text = await runCli(['inspect', episodic]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^inputs {5}1 env, 3 episodes, [\d,]+ frames/m);
    expect(text.stdout).toContain(`env 0      ${env0.frames} frames, 3 episodes`);
    const [e0, e1, e2] = env0.episodes;
    expect(text.stdout).toContain(`  episode 0 (start, serverboy) frames 1…${e0.endFrame} (${e0.frames}), score 5\n`);
    expect(text.stdout).toContain(`  episode 1 (reset, serverboy) frames 1…${e1.endFrame} (${e1.frames}), score 20\n`);
    expect(text.stdout).toContain(`  episode 2 (load, serverboy) frames ${e2.startFrame + 1}…${e2.endFrame} (${e2.frames})\n`);
  }, 60_000);

  it('a frame recording has no input log: null in JSON, no inputs line', async () => {
    const framesOnly = join(dir, 'frames-only.gbrec');
    writeFileSync(framesOnly, helloRecord(new Uint8Array(16), 'serverboy'));
    const json = await runCli(['inspect', framesOnly, '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).inputLog).toBeNull();
    expect((await runCli(['inspect', framesOnly])).stdout).not.toMatch(/^inputs/m);
  });

  it('an input log too damaged to open an env still gets its report (exit 0), not an error', async () => {
    const damaged = join(dir, 'damaged-inputs.gbrec');
    writeFileSync(damaged, Buffer.concat([helloRecord(new Uint8Array(16), 'serverboy'), encodeRecord({ type: 'start', env: 0 } as never)]));
    const json = await runCli(['inspect', damaged, '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).inputLog).toBeNull();
  });
});

describe('gbstream inspect --verify', () => {
  it('re-runs every env and reports frames, episodes and verified checkpoints (exit 0)', async () => {
    const r = await runCli(['inspect', good, '--verify', '--rom', DEMO_ROM_PATH, '--json'], 60_000);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.desynced).toBe(false);
    expect(report.envs).toHaveLength(1);
    expect(report.envs[0]).toMatchObject({ env: 0, frames: 360, checkpoints, verified: checkpoints, desync: null });
    expect(report.envs[0].episodes).toEqual([expect.objectContaining({ index: 0, reason: 'start', core: 'serverboy', frames: 360 })]);
    expect(report.envs[0].fps).toBeGreaterThan(0);
  }, 60_000);

  it('names the first desynced frame and exits 3', async () => {
    const r = await runCli(['inspect', bad, '--verify', '--rom', DEMO_ROM_PATH], 60_000);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/env 0 .*DESYNC at frame (\d+) \(episode 0\)/);
    const frame = Number(/DESYNC at frame (\d+)/.exec(r.stdout)![1]);
    expect(frame).toBeGreaterThanOrEqual(180);
    expect(frame % 60).toBe(0); // a checkpoint (one a second)
  }, 60_000);

  it('refuses, in one line with exit 1: a ROM of another game, no --rom, a file without an input log', async () => {
    const other = await runCli(['inspect', good, '--verify', '--rom', BLARGG]);
    expect(other.code).toBe(1);
    expect(other.stderr.trim().split('\n')).toHaveLength(1);
    expect(other.stderr).toMatch(/SHA-1 [0-9a-f]{40}; the recording was made with [0-9a-f]{40}/);
    const noRom = await runCli(['inspect', good, '--verify']);
    expect(noRom.code).toBe(1);
    expect(noRom.stderr).toContain('--verify needs --rom');
    const framesOnly = join(dir, 'frames.gbrec');
    writeFileSync(framesOnly, helloRecord(new Uint8Array(16), 'serverboy'));
    const none = await runCli(['inspect', framesOnly, '--verify', '--rom', DEMO_ROM_PATH]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('holds no input log');
    const mode = await runCli(['serve', '--port', '0', '--record-mode', 'inputs']);
    expect(mode.code).toBe(1);
    expect(mode.stderr).toContain('--record-mode inputs needs --record FILE or --record-dir DIR');
  }, 60_000);
});
