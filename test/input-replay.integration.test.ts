/**
 * `replay FILE --rom ROM` (issue 23 item 3): a recording made by the real server with
 * `--record-mode inputs` (two envs on worker threads, the random policy, a reset) is replayed by
 * re-emulating each env. Every frame served equals the frame re-rendered from the log at that
 * position; a seek lands on the requested frame of the requested env (from the nearest
 * checkpoint), and /api/frame.png shows it; a tampered log is a desync event naming env and frame.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayInputs, type InputReplaying } from '../src/app/replay-inputs.js';
import { serve } from '../src/app/serve.js';
import { GB_FRAME_RATE } from '../src/emulator/emulator.js';
import { silentLogger } from '../src/log.js';
import { DEMO_ROM_PATH } from '../src/paths.js';
import { EventCode } from '../src/protocol/constants.js';
import { decodeRuns, encodeRuns } from '../src/protocol/input-log.js';
import { decodeRecords, encodeRecord } from '../src/protocol/record.js';
import { envFrames } from '../src/record/inputs/input-frames.js';
import { episodeFrames, type InputLog } from '../src/record/inputs/input-log-index.js';
import { verifyInputLog } from '../src/record/inputs/verify.js';
import { hashOf, logOf } from './helpers/input-log.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient, type Received } from './helpers/ws-client.js';

const dir = mkdtempSync(join(tmpdir(), 'gbs-inputreplay-'));
const file = join(dir, 'run.gbrec');
const tampered = join(dir, 'tampered.gbrec');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let rom: Uint8Array;
let log: InputLog;
/** Re-rendered picture hash and frame number of each env's position k: `${env}:${k}`. */
const expected = new Map<string, { hash: string; frame: number }>();

beforeAll(async () => {
  const serving = await serve(testServeOptions({ envs: 2, fps: 10, speed: 'max', policy: { kind: 'random' }, control: { mode: 'open' }, record: { file }, recordMode: 'inputs', checkpointS: 0.5 }));
  try {
    const c = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
    await c.opened();
    await sleep(2000);
    const ack = await c.request({ type: 'command', id: 1, env: 0, name: 'reset' }, 30_000);
    expect(ack.type, JSON.stringify(ack)).toBe('ack');
    await sleep(2000);
    c.ws.close();
  } finally {
    await serving.stop();
  }
  const bytes = new Uint8Array(await readFile(file));
  rom = new Uint8Array(await readFile(DEMO_ROM_PATH));
  log = await logOf(bytes);
  for (const [env, episodes] of log.envs) {
    let k = 0;
    const total = episodes.reduce((n, e) => n + episodeFrames(e), 0);
    for await (const f of envFrames(rom, episodes, 0, total - 1)) expected.set(`${env}:${k++}`, { hash: hashOf(f.rgb), frame: f.frame });
  }
  // The same log with env 0's buttons changed in its first episode.
  const records = decodeRecords(bytes);
  const first = records.find((m) => m.type === 'start' && m['env'] === 0)!['frame'] as number;
  for (let i = 0; i < records.length; i++) {
    const m = records[i]!;
    if (m.type !== 'inputs' || m['env'] !== 0 || (m['frame'] as number) < first) continue;
    if (records.slice(i).find((r) => r.type === 'start' && r['env'] === 0) === undefined) break; // the first episode only
    records[i] = { ...m, runs: encodeRuns(decodeRuns(m['runs'] as Uint8Array).map((r) => ({ ...r, mask: r.mask ^ 0xff }))) };
  }
  writeFileSync(tampered, Buffer.concat(records.map((m) => encodeRecord(m))));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(path: string, speed = 1): Promise<InputReplaying> {
  return replayInputs({ file: path, rom: DEMO_ROM_PATH, port: 0, host: '127.0.0.1', fps: 60, speed, loop: false, format: 'png', log: silentLogger() });
}

async function rgbOf(png: Uint8Array): Promise<Buffer> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([160, 144]);
  return data;
}

describe('replay --rom: an input log served like a live server', () => {
  it('the recording has two envs, env 0 with a reset, and checkpoints', () => {
    expect([...log.envs.keys()].sort()).toEqual([0, 1]);
    expect(log.envs.get(0)!.map((e) => e.reason)).toEqual(['start', 'reset']);
    expect(log.envs.get(1)!.some((e) => e.checkpoints.length > 0)).toBe(true);
  });

  it('every frame served is the re-rendered frame at its position, with hello, state and stats.playback as a replay', async () => {
    const SPEED = 0.25; // slow enough for serverboy on a busy machine to show most frames
    const replaying = await start(file, SPEED);
    // beforeAll records at speed max, so the log is as long as the machine was fast then (843
    // frames of one env on a quiet one: 56 s at this speed): wait for its end in proportion.
    const longest = Math.max(...[...log.envs.values()].map((episodes) => episodes.reduce((n, e) => n + episodeFrames(e), 0)));
    const playMs = ((longest / GB_FRAME_RATE) * 1000) / SPEED;
    const c = new TestClient(replaying.server.url.replace(/^http/, 'ws') + 'ws');
    try {
      await c.opened();
      const hello = await c.waitFor((m) => m.type === 'hello');
      expect(hello['site']).toEqual({ kind: 'replay', name: 'run.gbrec' });
      expect(hello['can']).toMatchObject({ input: false, seek: true });
      expect(hello['format']).toBe('png');
      const startTs = (hello['replay'] as { startTs: number }).startTs;
      await c.waitFor((m) => m.type === 'event' && m['code'] === EventCode.ReplayEnd, playMs + 60_000);
      const stats = await c.waitFor((m) => m.type === 'stats' && m['playback'] !== undefined, 15_000, c.messages.length);
      expect(stats['playback']).toMatchObject({ paused: true });
      const frames = c.of('frame');
      let compared = 0;
      for (const f of frames) {
        const env = f['env'] as number;
        const k = Math.round((((f['ts'] as number) - startTs) * GB_FRAME_RATE) / 1000);
        const want = expected.get(`${env}:${k}`);
        expect(want, `env ${env} position ${k}`).toBeDefined();
        expect(f['frame'], `env ${env} position ${k}`).toBe(want!.frame);
        expect(hashOf(await rgbOf(f['data'] as Uint8Array)), `env ${env} frame ${f['frame']}`).toBe(want!.hash);
        expect(f['state']).toBeTypeOf('object');
        compared++;
      }
      expect(new Set(frames.map((f) => f['env']))).toEqual(new Set([0, 1]));
      expect(compared).toBeGreaterThan(30);
      expect(c.of('event').filter((e) => e['code'] === EventCode.Desync)).toEqual([]);
    } finally {
      c.ws.close();
      await replaying.stop();
    }
  }, 600_000);

  it('a seek lands on the requested frame of the requested env, from the nearest checkpoint; /api/frame.png shows it', async () => {
    const replaying = await start(file);
    const c = new TestClient(replaying.server.url.replace(/^http/, 'ws') + 'ws');
    try {
      await c.opened();
      await c.request({ type: 'command', id: 1, name: 'pause' });
      let id = 2;
      const env1 = log.envs.get(1)!.find((e) => e.checkpoints.length > 0)!;
      const env0 = log.envs.get(0)![1]!;
      const seeks = [
        { env: 1, episode: env1.index, frame: env1.checkpoints[0]!.frame + 7 },
        { env: 0, episode: 1, frame: env0.startFrame + Math.ceil(episodeFrames(env0) / 2) },
        { env: 1, episode: env1.index, frame: env1.startFrame + 1 },
      ];
      for (const s of seeks) {
        const before = replaying.source.emulated(s.env);
        const from = c.messages.length;
        const ack = await c.request({ type: 'command', id: id++, env: s.env, name: 'seek', args: { frame: s.frame, episode: s.episode } }, 30_000);
        expect(ack.type, JSON.stringify(ack)).toBe('ack');
        const shown = c.messages.slice(from).filter((m): m is Received => m.type === 'frame' && m['env'] === s.env);
        expect(shown.at(-1)?.['frame']).toBe(s.frame);
        const episodes = log.envs.get(s.env)!;
        const k = episodes.slice(0, s.episode).reduce((n, e) => n + episodeFrames(e), 0) + s.frame - episodes[s.episode]!.startFrame - 1;
        const want = expected.get(`${s.env}:${k}`)!;
        expect(hashOf(await rgbOf(shown.at(-1)!['data'] as Uint8Array))).toBe(want.hash);
        const res = await fetch(`${replaying.server.url}api/frame.png?env=${s.env}`);
        expect(res.status).toBe(200);
        expect(hashOf(await rgbOf(new Uint8Array(await res.arrayBuffer())))).toBe(want.hash);
        // From the last checkpoint (or start) before the frame, not from the beginning.
        const e = episodes[s.episode]!;
        const nearest = Math.max(e.startFrame, ...e.checkpoints.map((cp) => cp.frame).filter((f) => f < s.frame));
        expect(replaying.source.emulated(s.env) - before).toBeLessThanOrEqual(s.frame - nearest);
      }
      // A viewer who comes while paused gets each env's picture where playback stands.
      const late = new TestClient(replaying.server.url.replace(/^http/, 'ws') + 'ws');
      try {
        const f1 = await late.waitFor((m) => m.type === 'frame' && m['env'] === 1, 15_000);
        expect(f1['frame']).toBe(seeks.at(-1)!.frame);
        await late.waitFor((m) => m.type === 'frame' && m['env'] === 0, 15_000);
      } finally {
        late.ws.close();
      }
      const bad = await c.request({ type: 'command', id: id++, env: 1, name: 'seek', args: { frame: 10_000_000 } });
      expect(bad).toMatchObject({ type: 'error', code: 'GBS_ERR_BAD_FIELD' });
      expect(String(bad['message'])).toMatch(/env 1 has no frame 10000000/);
    } finally {
      c.ws.close();
      await replaying.stop();
    }
  }, 120_000);

  it('a tampered log: an event names the env and the checkpoint frame where the picture first differs', async () => {
    // inspect --verify's re-run finds the first differing checkpoint; the replay must name the same.
    const verified = await verifyInputLog(tampered, await logOf(new Uint8Array(await readFile(tampered))), rom, DEMO_ROM_PATH);
    const first = verified.envs.find((e) => e.env === 0)!.desync!;
    expect(first).toMatchObject({ env: 0, episode: 0 });
    const replaying = await start(tampered, 0.5);
    const c = new TestClient(replaying.server.url.replace(/^http/, 'ws') + 'ws');
    try {
      await c.opened();
      const event = await c.waitFor((m) => m.type === 'event' && m['code'] === EventCode.Desync, 60_000);
      const [, env, frame] = /^env (\d+) desynced at frame (\d+) \(episode 0\)/.exec(String(event['message'])) ?? [];
      expect(env).toBe('0');
      expect(Number(frame)).toBe(first.frame);
      expect(event['level']).toBe('error');
      expect(c.of('event').filter((m) => m['code'] === EventCode.Desync && !String(m['message']).startsWith('env 0 '))).toEqual([]);
    } finally {
      c.ws.close();
      await replaying.stop();
    }
  }, 120_000);
});
