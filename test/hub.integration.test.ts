/**
 * A real hub, real Python publishers (as processes, Debian's python3 with websockets/msgpack/
 * numpy) and real WebSocket viewers: frames and state of every published env reach viewers; a
 * publisher's `wants` follows the viewers; a SIGKILLed publisher's envs go, the others stay.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay } from '../src/app/replay.js';
import { startHub, type HubServing } from '../src/app/hub.js';
import { silentLogger } from '../src/log.js';
import { EventCode } from '../src/protocol/constants.js';
import type { EnvInfo } from '../src/protocol/messages.js';
import { hasPython, PYTHON, PythonPublisher, TOKEN } from './helpers/python-publisher.js';
import { TestClient } from './helpers/ws-client.js';

describe.skipIf(!hasPython)('gbstream hub with Python publishers', () => {
  let serving: HubServing;
  let wsUrl: string;
  const publishers: PythonPublisher[] = [];

  beforeAll(async () => {
    serving = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, stateFps: 5, control: { mode: 'token', token: TOKEN }, log: silentLogger() });
    wsUrl = serving.server.url.replace(/^http/, 'ws') + 'ws';
  });

  afterAll(async () => {
    for (const p of publishers) p.proc.kill('SIGKILL');
    await serving?.stop();
  });

  it('frames and state of every env reach a viewer, and hello lists the envs with labels', async () => {
    const pub = new PythonPublisher(wsUrl, 3, 'run-a');
    publishers.push(pub);
    const ids = await pub.ready();
    expect(ids).toHaveLength(3);
    const viewer = new TestClient(wsUrl);
    const hello = await viewer.waitFor((m) => m.type === 'hello');
    expect((hello['envList'] as EnvInfo[]).filter((e) => ids.includes(e.env)).map((e) => [e.label, e.live, e.source])).toEqual([
      ['run-a/0', true, 'published'],
      ['run-a/1', true, 'published'],
      ['run-a/2', true, 'published'],
    ]);
    // A viewer that never subscribes wants every env: each gets frames with its own state.
    for (const [i, env] of ids.entries()) {
      const frame = await viewer.waitFor((m) => m.type === 'frame' && m['env'] === env && m['format'] === 'jpeg');
      expect((frame['state'] as Record<string, number>)['env']).toBe(i);
      expect(frame['width']).toBe(160);
      expect((frame['data'] as Uint8Array)[0]).toBe(0xff);
    }
    // Training numbers from the publisher reach viewers too.
    await viewer.waitFor((m) => m.type === 'progress' && typeof (m['values'] as Record<string, number>)['step'] === 'number');
    // The HTTP API serves published envs like local ones.
    const res = await fetch(`${serving.server.url}api/frame.jpg?env=${ids[2]}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    viewer.ws.close();
    await pub.stop();
  });

  it('wants flips on when a viewer subscribes to an env and off when it goes (and for an MJPEG reader); state keeps coming meanwhile', async () => {
    const pub = new PythonPublisher(wsUrl, 3, 'run-b');
    publishers.push(pub);
    const ids = await pub.ready();
    await pub.wants([false, false, false]);
    // Nobody watches: state only, at the hub's state rate.
    const env = serving.hub.env(ids[0]!)!;
    const before = env.latest.frame;
    await new Promise((r) => setTimeout(r, 600));
    expect(env.latest.frame).toBeGreaterThan(before);
    expect(env.stats.published).toBe(0);
    // HTTP readers see the state of an env that sends no pixels.
    const states = (await (await fetch(`${serving.server.url}api/state`)).json()) as Record<string, { state: Record<string, number> }>;
    expect(states[String(ids[2])]?.state['env']).toBe(2);

    const viewer = new TestClient(wsUrl);
    await viewer.waitFor((m) => m.type === 'hello');
    await viewer.request({ type: 'subscribe', id: 5, envs: [ids[1]!], thumbs: [ids[2]!] });
    await pub.wants([false, true, true]);
    const frame = await viewer.waitFor((m) => m.type === 'frame' && m['env'] === ids[1]);
    expect((frame['state'] as Record<string, number>)['env']).toBe(1);
    viewer.ws.close();
    await pub.wants([false, false, false]);

    // An MJPEG reader wants its env like a viewer does; metrics list published envs.
    const abort = new AbortController();
    const mjpeg = await fetch(`${serving.server.url}stream.mjpg?env=${ids[0]}`, { signal: abort.signal });
    await pub.wants([true, false, false]);
    const reader = mjpeg.body!.getReader();
    let head = '';
    while (!head.includes('Content-Type: image/jpeg')) head += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    await pub.wants([false, false, false]);
    const metrics = await (await fetch(`${serving.server.url}metrics`)).text();
    expect(metrics).toContain(`gbstream_emulator_fps{env="${ids[0]}"}`);
    await pub.stop();
  });

  it('a publisher killed with SIGKILL: its envs are marked gone, another publisher’s keep streaming', async () => {
    const victim = new PythonPublisher(wsUrl, 2, 'victim');
    const survivor = new PythonPublisher(wsUrl, 2, 'survivor');
    publishers.push(victim, survivor);
    const [gone, alive] = await Promise.all([victim.ready(), survivor.ready()]);
    const viewer = new TestClient(wsUrl);
    await viewer.waitFor((m) => m.type === 'frame' && m['env'] === gone[0]);
    const from = viewer.messages.length;
    victim.proc.kill('SIGKILL');
    const event = await viewer.waitFor((m) => m.type === 'event' && m['code'] === EventCode.EnvsChanged, 15_000, from);
    const list = event['envs'] as EnvInfo[];
    expect(list.filter((e) => gone.includes(e.env)).map((e) => e.live)).toEqual([false, false]);
    expect(list.filter((e) => alive.includes(e.env)).map((e) => e.live)).toEqual([true, true]);
    const after = viewer.messages.length;
    // The survivor's envs get demand and frames (demand is computed for every publisher, not just the first).
    await viewer.waitFor((m) => m.type === 'frame' && m['env'] === alive[1], 15_000, after);
    expect(serving.hub.stats().map((s) => s.env)).not.toContain(gone[0]);
    // A new publisher with the victim's labels gets its env ids back.
    const again = new PythonPublisher(wsUrl, 2, 'victim');
    publishers.push(again);
    expect(await again.ready()).toEqual(gone);
    viewer.ws.close();
    await Promise.all([survivor.stop(), again.stop()]);
  });

  it('a recording of a hub replays with its published envs and their labels', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbstream-hub-'));
    const file = join(dir, 'hub.gbrec');
    const recording = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, control: { mode: 'token', token: TOKEN }, log: silentLogger(), record: { file } });
    try {
      const url = recording.server.url.replace(/^http/, 'ws') + 'ws';
      const pub = new PythonPublisher(url, 2, 'recorded');
      publishers.push(pub);
      const ids = await pub.ready();
      // The recorder wants every frame of every env, so pixels flow with no viewer at all.
      await pub.wants([true, true]);
      await new Promise((r) => setTimeout(r, 800));
      await pub.stop();
      await recording.stop();
      const replaying = await replay({ file, port: 0, host: '127.0.0.1', speed: 1, loop: false, log: silentLogger() });
      try {
        const viewer = new TestClient(replaying.server.url.replace(/^http/, 'ws') + 'ws');
        const hello = await viewer.waitFor((m) => m.type === 'hello');
        expect((hello['envList'] as EnvInfo[]).map((e) => [e.env, e.label, e.live])).toEqual(ids.map((env, i) => [env, `recorded/${i}`, true]));
        await viewer.waitFor((m) => m.type === 'frame' && m['env'] === ids[1], 15_000);
        viewer.ws.close();
      } finally {
        await replaying.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a publisher reconnects after the hub restarts and announces its labels again', async () => {
    const first = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, control: { mode: 'token', token: TOKEN }, log: silentLogger() });
    const port = first.server.port;
    const pub = new PythonPublisher(first.server.url.replace(/^http/, 'ws') + 'ws', 2, 'phoenix');
    publishers.push(pub);
    await pub.ready();
    await first.stop();
    const second = await startHub({ port, host: '127.0.0.1', fps: 10, quality: 80, control: { mode: 'token', token: TOKEN }, log: silentLogger() });
    try {
      await expect.poll(() => second.hub.table.list().map((e) => `${e.label}:${e.live}`), { timeout: 15_000, interval: 100 }).toEqual(['phoenix/0:true', 'phoenix/1:true']);
      const viewer = new TestClient(second.server.url.replace(/^http/, 'ws') + 'ws');
      await viewer.waitFor((m) => m.type === 'frame' && m['env'] === 1, 15_000);
      viewer.ws.close();
      await pub.stop();
    } finally {
      await second.stop();
    }
  });

  it('the Publisher docstring example runs as written against a real hub', async () => {
    // Not spawnSync: the hub runs in this process and must keep answering.
    const { spawn } = await import('node:child_process');
    const child = spawn(PYTHON, ['test/fixtures/publisher_doctest.py', wsUrl, TOKEN]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(out).toMatch(/attempted=8 failed=0/);
    expect(code).toBe(0);
  });
});

