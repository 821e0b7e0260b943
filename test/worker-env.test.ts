/**
 * Worker envs (issue 12 item 16): a call after the worker exited, input errors, and how frames
 * cross the thread boundary. Real worker threads running the compiled env (npm test builds first).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { WorkerEnv } from '../src/envs/worker-env.js';
import { transferOf } from '../src/envs/worker-protocol.js';
import { silentLogger } from '../src/log.js';
import { DEMO_ROM_PATH } from '../src/paths.js';
import type { EventMessage, FrameMessage } from '../src/protocol/messages.js';
import { decodeRecords } from '../src/protocol/record.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

async function workerEnv(onFrame: (record: Uint8Array, message: FrameMessage) => void): Promise<WorkerEnv> {
  const rom = new Uint8Array(await readFile(DEMO_ROM_PATH));
  const env = new WorkerEnv(
    { id: 2, rom, map: undefined, policy: { kind: 'idle' }, seed: 1, encoder: 'sharp', quality: 80, fps: 20, speed: 1, sound: false, logLevel: 'silent' },
    { frame: onFrame, event: (_m: EventMessage) => undefined },
    silentLogger(),
  );
  await env.encoderName;
  return env;
}

describe('WorkerEnv', () => {
  it('after its worker exited, every call rejects with GBS_ERR_ENV_CRASHED (input too)', async () => {
    const env = await workerEnv(() => undefined);
    await env.stop();
    await expect(env.command('pause', {})).rejects.toMatchObject({ code: 'GBS_ERR_ENV_CRASHED' });
    await expect(env.step([], 1, 'none')).rejects.toMatchObject({ code: 'GBS_ERR_ENV_CRASHED' });
    await expect(env.input(['a'], 1)).rejects.toMatchObject({ code: 'GBS_ERR_ENV_CRASHED' });
  });

  it('a frame crosses once: the message’s image bytes are a view into the transferred record', async () => {
    const frames: Array<[Uint8Array, FrameMessage]> = [];
    const env = await workerEnv((record, message) => frames.push([record, message]));
    env.start();
    const deadline = Date.now() + 5000;
    while (frames.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await env.stop();
    expect(frames.length).toBeGreaterThanOrEqual(2);
    for (const [record, message] of frames) {
      expect(message.data.buffer).toBe(record.buffer); // not a second (structured-cloned) copy
      expect(message.data.byteLength).toBeGreaterThan(100);
      expect(decodeRecords(record)[0]).toEqual(message);
      expect(message).toMatchObject({ type: 'frame', env: 2, format: 'jpeg', width: 160, height: 144 });
    }
  });
});

describe('transferOf (an answer from an env thread)', () => {
  it('moves an observation screen that owns its buffer, copies a view into a shared one, and nothing else', () => {
    const own = new Uint8Array(160 * 144);
    expect(transferOf({ env: 0, frame: 1, state: {}, screen: own })).toEqual([own.buffer]);
    const shared = new Uint8Array(2 * 160 * 144);
    expect(transferOf({ screen: shared.subarray(160 * 144) })).toEqual([]);
    expect(transferOf({ env: 0, frame: 1, state: {} })).toEqual([]);
    expect(transferOf(undefined)).toEqual([]);
  });
});

describe('input to a worker env that is gone', () => {
  let serving: Serving;
  beforeAll(async () => {
    serving = await serve(testServeOptions({ envs: 2, control: { mode: 'open' } }));
  });
  afterAll(() => serving.stop());

  it('is answered with GBS_ERR_ENV_CRASHED, not acked (live envs still ack)', async () => {
    const c = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
    await c.opened();
    await serving.envs[1]!.stop();
    const gone = await c.request({ type: 'input', id: 5, env: 1, buttons: ['a'], frames: 2 });
    expect(gone).toMatchObject({ type: 'error', id: 5, code: 'GBS_ERR_ENV_CRASHED' });
    const live = await c.request({ type: 'input', id: 6, env: 0, buttons: ['a'], frames: 2 });
    expect(live).toMatchObject({ type: 'ack', id: 6, of: 'input' });
    c.ws.close();
  });
});
