/** LocalEnv: the env layer around a real emulator (the demo ROM), with fakes only where a failure must be forced. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { FrameEncoder } from '../src/encode/encoder.js';
import { createEmulator } from '../src/emulator/create-emulator.js';
import type { Emulator } from '../src/emulator/emulator.js';
import { LibretroEmulator } from '../src/emulator/libretro.js';
import { createLocalEnv, LocalEnv, nextChunk, STEP_CHUNK_MAX } from '../src/envs/local-env.js';
import { silentLogger } from '../src/log.js';
import { DEMO_ROM_PATH } from '../src/paths.js';
import { idlePolicy } from '../src/policy/policy.js';
import type { Button, EventMessage, FrameMessage } from '../src/protocol/messages.js';
import { loadMemoryMap } from '../src/state/memory-map.js';
import { GAMBATTE, gambatteMissing, hasGambatte } from './helpers/gambatte.js';

/** An encoder whose argument check throws synchronously, as the native addon's does on bad input. */
const throwingEncoder: FrameEncoder = {
  name: 'throwing',
  format: 'jpeg',
  encode: () => {
    throw new TypeError('pixels must be a Uint8Array of width*height*channels bytes');
  },
};

const okEncoder: FrameEncoder = { name: 'ok', format: 'jpeg', encode: async (pixels) => Buffer.from(pixels.subarray(0, 4)) };

async function env(encoder: FrameEncoder, sink: { frames: FrameMessage[]; events: EventMessage[] }) {
  return createLocalEnv({
    id: 0,
    rom: new Uint8Array(await readFile(DEMO_ROM_PATH)),
    sound: false,
    map: await loadMemoryMap('roms.example/gbstream-demo.json'),
    policy: idlePolicy,
    encoder,
    fps: 30,
    speed: 'max',
    log: silentLogger(),
    output: { frame: (_r, m) => sink.frames.push(m), event: (m) => sink.events.push(m) },
  });
}

describe('LocalEnv', () => {
  // Issue 12 item 10: before the fix this exception escaped the run loop's setImmediate callback
  // (an uncaught exception: with one env, the server died).
  it('an encoder that throws inside the run loop becomes one event; the emulator keeps running', async () => {
    const sink = { frames: [] as FrameMessage[], events: [] as EventMessage[] };
    const e = await env(throwingEncoder, sink);
    e.start();
    const deadline = Date.now() + 3000;
    while (sink.events.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const frame = e.observe().frame;
    await new Promise((r) => setTimeout(r, 100));
    expect(e.observe().frame).toBeGreaterThan(frame);
    await e.stop();
    expect(sink.events.map((m) => m.code)).toEqual(['GBS_ERR_FRAME_FAILED']);
    expect(sink.frames).toEqual([]);
  });

  it('save and load commands keep working over state bytes', async () => {
    const sink = { frames: [] as FrameMessage[], events: [] as EventMessage[] };
    const e = await env(okEncoder, sink);
    await e.setLockstep(true);
    await e.step([], 20, 'none');
    await e.command('save', { slot: 'a' });
    const saved = await e.step(['right', 'down'], 30, 'none');
    await e.step([], 40, 'none');
    await e.command('load', { slot: 'a' });
    expect(e.observe().frame).toBe(20);
    const again = await e.step(['right', 'down'], 30, 'none');
    expect(again).toEqual(saved);
    await expect(e.command('load', { slot: 'nope' })).rejects.toMatchObject({ code: 'GBS_ERR_BAD_FIELD' });
    await e.stop();
  });

  // A libretro core holds a private copy of the core library and its buffers until closed.
  it.skipIf(!hasGambatte)(`stop() closes the emulator it owns, freeing the core${gambatteMissing ? ` (skipped: ${gambatteMissing})` : ''}`, async () => {
    const emulator = new LibretroEmulator(GAMBATTE!, new Uint8Array(await readFile(DEMO_ROM_PATH)));
    const e = new LocalEnv({ id: 0, emulator, map: undefined, policy: idlePolicy, encoder: okEncoder, fps: 30, speed: 'max', log: silentLogger(), output: { frame: () => {}, event: () => {} } });
    e.start();
    await e.stop();
    expect(() => emulator.saveState()).toThrow(/closed/);
  });

  // A step hands the core runs of frames (one native call for many) instead of a call a frame;
  // it must end exactly where frame-by-frame stepping ends: same frames, state and screen.
  for (const core of ['serverboy', 'gambatte'] as const) {
    const missing = core === 'gambatte' ? gambatteMissing : undefined;
    it.skipIf(missing !== undefined)(`a step runs frames in runs and ends where one frame at a time ends (${core})${missing ? ` (skipped: ${missing})` : ''}`, async () => {
      const rom = new Uint8Array(await readFile(DEMO_ROM_PATH));
      const map = await loadMemoryMap('roms.example/gbstream-demo.json');
      const choice = core === 'gambatte' ? { kind: 'libretro' as const, path: GAMBATTE!, name: 'gambatte' } : { kind: 'serverboy' as const };
      async function stepped(clock: () => number) {
        const calls: number[] = [];
        const emulator = counted(await createEmulator(rom, { core: choice }), calls);
        const e = new LocalEnv({ id: 0, emulator, map, policy: idlePolicy, encoder: okEncoder, fps: 30, speed: 'max', log: silentLogger(), output: { frame: () => {}, event: () => {} }, clock });
        await e.setLockstep(true);
        const obs = [];
        for (const [buttons, frames] of STEPS) obs.push(await e.step(buttons, frames, 'gray'));
        await e.stop();
        return { obs, calls };
      }
      let t = 0;
      const slow = await stepped(() => (t += 30)); // every frame "takes" 30 ms: runs of one
      const fast = await stepped(() => 0); // a clock that never moves: the longest runs
      expect(slow.calls.every((n) => n === 1)).toBe(true);
      expect(slow.calls.length).toBe(TOTAL);
      expect(fast.calls.reduce((a, b) => a + b, 0)).toBe(TOTAL);
      expect(fast.calls.length).toBeLessThanOrEqual(STEPS.length + 2); // 1 frame to measure, then a run per step (100 > 64: two)
      expect(fast.obs.map((o) => o.frame)).toEqual(slow.obs.map((o) => o.frame));
      expect(fast.obs).toEqual(slow.obs); // state and gray screen too
      expect(new Set(fast.obs.map((o) => o.state!['x'])).size).toBeGreaterThan(1); // the buttons moved the player
    });
  }

  it('nextChunk aims at a few ms of frames, one at least, STEP_CHUNK_MAX at most', () => {
    expect(nextChunk(1, 0)).toBe(STEP_CHUNK_MAX);
    expect(nextChunk(1, 30)).toBe(1);
    expect(nextChunk(24, 3)).toBe(32); // 0.125 ms a frame (gambatte): 32 frames make 4 ms
    expect(nextChunk(10, 0.01)).toBe(STEP_CHUNK_MAX);
  });
});

const STEPS: [Button[], number][] = [[['right'], 40], [['down', 'a'], 24], [[], 100], [['left', 'up'], 7]];
const TOTAL = STEPS.reduce((a, [, n]) => a + n, 0);

/** The emulator, counting frames per call into it: 1 for each step(), n for each run(_, n). */
function counted(emu: Emulator, calls: number[]): Emulator {
  return new Proxy(emu, {
    get(target, key) {
      if (key === 'step') return () => (calls.push(1), target.step());
      if (key === 'run') return (buttons: readonly Button[], frames: number) => (calls.push(frames), target.run(buttons, frames));
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

