/**
 * `serve --record-mode both --format png` with two envs on worker threads: one env free-running on
 * the random policy (with a save-slot load), the other driven by an agent in lockstep (batched
 * steps, a power-on reset, a reset from a snapshot state). Every PNG frame recorded equals, pixel
 * for pixel, the frame re-rendered from the input log at the same (env, episode, frame). Demo and
 * Blargg ROMs, serverboy and gambatte.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { serve } from '../src/app/serve.js';
import { DEMO_ROM_PATH } from '../src/paths.js';
import { decodeRecords } from '../src/protocol/record.js';
import { memoryByteSource } from '../src/record/file-reader.js';
import { readInputLog } from '../src/record/inputs/input-log-index.js';
import { Rerenderer } from '../src/record/inputs/rerender.js';
import { hasGambatte } from './helpers/gambatte.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

const TOKEN = 'input-log-token';
const BLARGG = 'node_modules/serverboy/roms/blargg_tests/cpu_instrs.gb';
const dir = mkdtempSync(join(tmpdir(), 'gbs-inputlog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function recordSession(rom: string, core: string, file: string): Promise<void> {
  const serving = await serve(testServeOptions({ rom, core, envs: 2, fps: 20, speed: 1, format: 'png', policy: { kind: 'random' }, control: { mode: 'token', token: TOKEN }, record: { file }, recordMode: 'both', checkpointS: 1 }));
  try {
    const c = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
    await c.opened();
    let id = 1;
    const ask = async (m: Record<string, unknown>) => {
      const answer = await c.request({ ...m, id: id++ }, 30_000); // serverboy on a busy 2-core machine
      expect(answer.type, JSON.stringify(answer)).not.toBe('error');
      return answer;
    };
    await ask({ type: 'auth', token: TOKEN });
    await ask({ type: 'reset', env: 1 });
    const pads = [['right'], ['down', 'a'], [], ['left', 'up'], ['start']];
    for (let i = 0; i < 8; i++) await ask({ type: 'step', envs: [1], actions: [pads[i % pads.length]], frames: 24 });
    const snap = await ask({ type: 'snapshot', env: 1 });
    await ask({ type: 'command', env: 0, name: 'save', args: { slot: 'x' } });
    for (let i = 0; i < 4; i++) await ask({ type: 'step', envs: [1], actions: [pads[(i + 2) % pads.length]], frames: 24 });
    await ask({ type: 'reset', env: 1, state: snap['data'] }); // a trainer's reset from a state
    for (let i = 0; i < 6; i++) await ask({ type: 'step', envs: [1], actions: [pads[(i + 4) % pads.length]], frames: 24 });
    await ask({ type: 'command', env: 0, name: 'load', args: { slot: 'x' } });
    await ask({ type: 'release', env: 1 });
    await sleep(1000); // both envs run free on the random policy
    c.ws.close();
  } finally {
    await serving.stop();
  }
}

const cases = [
  ['demo', 'serverboy', DEMO_ROM_PATH],
  ['blargg', 'serverboy', BLARGG],
  ['demo', 'gambatte', DEMO_ROM_PATH],
  ['blargg', 'gambatte', BLARGG],
] as const;

describe('serve --record-mode both', () => {
  it.each(cases)('every recorded PNG frame of %s on %s equals its re-render from the input log', async (name, core, rom) => {
    if (core === 'gambatte' && !hasGambatte) return;
    const file = join(dir, `${name}-${core}.gbrec`);
    await recordSession(rom, core, file);
    const bytes = new Uint8Array(await readFile(file));

    // Each frame record belongs to the episode its env was in at that point of the file.
    const episodeOf = new Map<number, number>();
    const recorded = new Map<string, Uint8Array>();
    for (const m of decodeRecords(bytes)) {
      const env = m['env'] as number;
      if (m.type === 'start') episodeOf.set(env, (episodeOf.get(env) ?? -1) + 1);
      if (m.type === 'frame' && episodeOf.has(env)) recorded.set(`${env}:${episodeOf.get(env)}:${m['frame']}`, m['data'] as Uint8Array);
    }
    const log = await readInputLog(memoryByteSource(bytes));
    expect(log.envs.get(0)!.map((e) => e.reason)).toEqual(['start', 'load']);
    // env 1 may not have run a frame before the agent's reset (then it has no `start` episode).
    const env1 = log.envs.get(1)!.filter((e) => e.reason !== 'start');
    expect(env1.map((e) => e.reason)).toEqual(['reset', 'load']);
    expect(env1[0]!.endFrame - env1[0]!.startFrame).toBe(12 * 24);
    // env 1's reset episode is 12 steps of 24 frames: a checkpoint every 60 (env 0 runs free and may not reach one).
    expect(env1[0]!.checkpoints.map((c) => c.frame - env1[0]!.startFrame)).toEqual([60, 120, 180, 240]);

    const romBytes = new Uint8Array(await readFile(rom));
    let compared = 0;
    let verified = 0;
    for (const [env, episodes] of log.envs) {
      const r = new Rerenderer(romBytes);
      try {
        for (const e of episodes) {
          for await (const f of r.frames(e)) {
            const png = recorded.get(`${env}:${f.episode}:${f.frame}`);
            if (!png) continue;
            const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
            expect([info.width, info.height, info.channels]).toEqual([160, 144, 3]);
            expect(Buffer.compare(data, Buffer.from(f.rgb)), `env ${env} episode ${f.episode} frame ${f.frame}`).toBe(0);
            compared++;
          }
        }
        expect(r.desync).toBeUndefined();
        verified += r.verified;
      } finally {
        r.close();
      }
    }
    // Every recorded frame has its re-render (none fell outside the log).
    expect(compared).toBe(recorded.size);
    expect(compared).toBeGreaterThan(20);
    expect(verified).toBeGreaterThan(2);
  }, 240_000);
});
