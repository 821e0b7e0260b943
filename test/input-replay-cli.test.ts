/**
 * `gbstream replay FILE --rom ROM` as a real process: it serves the re-emulated envs (/api/envs,
 * /api/frame.png equal to the re-render), and refuses in one line with exit 1 a ROM of another
 * game, a core that is not installed, re-render flags without --rom, and an input log without --rom.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ROM_PATH } from '../src/paths.js';
import { decodeRecords, encodeRecord } from '../src/protocol/record.js';
import { runCli, startCli } from './helpers/cli.js';
import { hashOf, liveRun, logOf, rerenderAll } from './helpers/input-log.js';

const BLARGG = 'node_modules/serverboy/roms/blargg_tests/cpu_instrs.gb';
const dir = mkdtempSync(join(tmpdir(), 'gbs-replay-cli-'));
const good = join(dir, 'good.gbrec');
const otherCore = join(dir, 'other-core.gbrec');
let first = '';

beforeAll(async () => {
  const live = await liveRun(DEMO_ROM_PATH, { kind: 'serverboy' }, 120, 1, 3, false);
  writeFileSync(good, live.bytes);
  const { pictures } = await rerenderAll(await logOf(live.bytes), DEMO_ROM_PATH);
  first = pictures.get('0:1')!;
  const records = decodeRecords(live.bytes).map((m) => (m.type === 'start' ? { ...m, core: 'no-such-core' } : m));
  writeFileSync(otherCore, Buffer.concat(records.map((m) => encodeRecord(m))));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gbstream replay --rom', () => {
  it('serves the input log: /api/envs and /api/frame.png of the re-rendered first frame', async () => {
    const { child, wsUrl, output } = await startCli(['replay', good, '--rom', DEMO_ROM_PATH, '--port', '0', '--format', 'png'], 30_000);
    try {
      expect(output()).toMatch(/replaying the input log of ".*good\.gbrec" \(.*, 1 env, 2\.0 s emulated; plays when the first viewer connects\)/);
      const base = wsUrl.replace(/^ws/, 'http').replace(/ws$/, '');
      let res: Response | undefined;
      for (let i = 0; i < 100 && res?.status !== 200; i++) {
        res = await fetch(`${base}api/frame.png?env=0`); // the first picture comes once the core has loaded
        if (res.status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(res!.status).toBe(200);
      const { data } = await sharp(new Uint8Array(await res!.arrayBuffer())).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      expect(hashOf(data)).toBe(first);
      const envs = (await (await fetch(`${base}api/envs`)).json()) as unknown;
      expect(JSON.stringify(envs)).toContain('"frame":1');
      const health = (await (await fetch(`${base}api/health`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({ site: 'replay', mode: 'inputs', file: 'good.gbrec', playing: false, desyncs: 0 });
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);

  it('refuses in one line with exit 1: another ROM, a missing core, --fps without --rom, an input log without --rom', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['replay', good, '--rom', BLARGG, '--port', '0'], /has SHA-1 [0-9a-f]{40}; the recording was made with [0-9a-f]{40}/],
      [['replay', otherCore, '--rom', DEMO_ROM_PATH, '--port', '0'], /made on the "no-such-core" core, which cannot be loaded here/],
      [['replay', good, '--fps', '30', '--port', '0'], /--fps re-renders an input recording: give --rom ROM/],
      [['replay', good, '--port', '0'], /holds no frames to replay; it holds an input log: replay it with --rom ROM/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, 30_000);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  }, 120_000);
});
