/** LocalEnv: the env layer around a real emulator (the demo ROM), with fakes only where a failure must be forced. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { FrameEncoder } from '../src/encode/encoder.js';
import { LibretroEmulator } from '../src/emulator/libretro.js';
import { createLocalEnv, LocalEnv } from '../src/envs/local-env.js';
import { silentLogger } from '../src/log.js';
import { DEMO_ROM_PATH } from '../src/paths.js';
import { idlePolicy } from '../src/policy/policy.js';
import type { EventMessage, FrameMessage } from '../src/protocol/messages.js';
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
});
