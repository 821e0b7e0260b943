/**
 * `gbstream inspect FILE --verify --rom ROM` as a real process: ok (exit 0), desync (exit 3), and
 * one line with exit 1 for a ROM of another game, no --rom, a file without an input log, and
 * `--record-mode inputs` without a recording.
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
let checkpoints = 0;

beforeAll(async () => {
  const live = await liveRun(DEMO_ROM_PATH, { kind: 'serverboy' }, 360, 1, 5, false);
  checkpoints = live.checkpoints;
  writeFileSync(good, live.bytes);
  const records = decodeRecords(live.bytes);
  const at = records.findIndex((m) => m.type === 'inputs' && (m['frame'] as number) >= 180);
  records[at] = { ...records[at]!, runs: encodeRuns(decodeRuns(records[at]!['runs'] as Uint8Array).map((r) => ({ ...r, mask: r.mask ^ 0x0f }))) };
  writeFileSync(bad, Buffer.concat(records.map((m) => encodeRecord(m))));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
