/**
 * `gbstream replay` is the live server's twin (issue 21): the same /api/* answer from the
 * playback position, playback waits for the first viewer (or `autoplay`), the speed a viewer
 * sees is the one playing, and nothing takes input.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { replay, type Replaying } from '../src/app/replay.js';
import { silentLogger } from '../src/log.js';
import { RECORDING_START_TS, writePngRecording } from './helpers/png-recording.js';
import { TestClient } from './helpers/ws-client.js';

let running: Replaying | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const start = async (o: { speed?: number; autoplay?: boolean; frames?: number } = {}) =>
  (running = await replay({ file: await writePngRecording({ frames: o.frames }), port: 0, host: '127.0.0.1', speed: o.speed ?? 1, loop: false, autoplay: o.autoplay, log: silentLogger() }));
const wsOf = (r: Replaying) => r.server.url.replace(/^http/, 'ws') + 'ws';
const get = (r: Replaying, path: string) => fetch(new URL(path, r.server.url));

describe('replay answers like the live server', () => {
  it('/api/health, /api/state and /api/frame.png?env=1 of a 2-env PNG recording answer 200 before anyone watches', async () => {
    const r = await start();
    const health = await get(r, '/api/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, site: 'replay', envs: 2, format: 'png', playing: false, positionMs: 0, durationMs: 900 });
    const png = await get(r, '/api/frame.png?env=1');
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect((await get(r, '/api/frame.jpg?env=0')).status).toBe(200);
    const state = (await (await get(r, '/api/state')).json()) as { envs: Array<{ env: number; frame: number }> } | Record<string, unknown>;
    expect(JSON.stringify(state)).toContain('"seq":0');
    expect((await get(r, '/api/frame.png?env=2')).status).toBe(404);
  });

  it('waits for its first viewer: one who comes after the recording would have ended gets the first recorded frame first', async () => {
    // 10 frames, 900 ms at 2×: 450 ms of playback. Wait longer than that before joining.
    const r = await start({ speed: 2 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(r.player.positionMs).toBe(0);
    const client = new TestClient(wsOf(r));
    await client.opened();
    const hello = await client.waitFor((m) => m.type === 'hello');
    expect(hello['replay']).toMatchObject({ durationMs: 900, speed: 2 });
    expect(hello['site']).toEqual({ kind: 'replay', name: 'two-envs.gbrec' });
    expect(hello['can']).toEqual({ input: false, emulatorSpeed: false, seek: true });
    const first = await client.waitFor((m) => m.type === 'frame', 15_000);
    expect([first['seq'], first['ts']]).toEqual([0, RECORDING_START_TS]);
    // The speed a viewer sees is the one playing, and the clock latency is measured against.
    const stats = await client.waitFor((m) => m.type === 'stats', 15_000);
    expect(stats['speed']).toBe(2);
    expect(stats['playback']).toMatchObject({ speed: 2 });
    const playback = stats['playback'] as { ts: number };
    expect(playback.ts).toBeGreaterThanOrEqual(RECORDING_START_TS);
    expect(playback.ts).toBeLessThanOrEqual(RECORDING_START_TS + 900);
    // Nothing takes input; playback commands do.
    expect(await client.request({ type: 'input', id: 5, env: 0, buttons: ['a'] })).toMatchObject({ type: 'error', code: 'GBS_ERR_UNSUPPORTED' });
    expect(await client.request({ type: 'command', id: 6, name: 'speed', args: { value: 4 } })).toMatchObject({ type: 'ack' });
    await client.waitFor((m) => m.type === 'stats' && m['speed'] === 4, 15_000);
    client.ws.close();
  });

  it('with autoplay, plays without a viewer: the HTTP store follows playback to the last frame', async () => {
    const r = await start({ speed: 4, autoplay: true });
    await expect.poll(async () => JSON.stringify(await (await get(r, '/api/state')).json()), { timeout: 5000 }).toContain('"seq":9');
    expect(r.player.ended).toBe(true);
  });
});
