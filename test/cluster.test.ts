/**
 * A gbstream cluster on a real nats-server (test/helpers/nats-server.ts), nodes in this process:
 * a local env and a publisher's env on node A are seen with frames and state by a viewer (and an
 * MJPEG reader) on node B; a /broadcast upload to A shows in B's /api/map, training numbers posted
 * to A in B's /api/progress; input and commands from B's viewer reach A's env with A's token (and
 * are refused when A's token differs); with no viewer anywhere no frame crosses the bus; a
 * recording keeps the envs it chooses, remote ones included; when nats-server stops, each node
 * keeps serving its own envs, tells its viewers, and rejoins when it is back; two processes with
 * one node name are told.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type HubServing } from '../src/app/hub.js';
import { serve, type Serving } from '../src/app/serve.js';
import { encodeCluster } from '../src/cluster/codec.js';
import { subjects } from '../src/cluster/subjects.js';
import { EventCode } from '../src/protocol/constants.js';
import { parseEnvChoice } from '../src/record/env-choice.js';
import { memoryByteSource, readRecordings } from '../src/record/file-reader.js';
import type { EnvInfo } from '../src/protocol/messages.js';
import { natsMissing, NatsServer } from './helpers/nats-server.js';
import { testServeOptions } from './helpers/serve-options.js';
import { runWrapper } from './helpers/stream-wrapper.js';
import { TsPublisher } from './helpers/ts-publisher.js';
import { TestClient, type Received } from './helpers/ws-client.js';
import { silentLogger } from '../src/log.js';

const TOKEN = 'cluster-test-token';
const wsOf = (s: { server: { url: string } }) => s.server.url.replace(/^http/, 'ws') + 'ws';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** The env list a viewer knows now: its hello's, then each GBS_ENVS_CHANGED event's. */
function envList(viewer: TestClient): EnvInfo[] {
  const lists = viewer.messages.filter((m) => m.type === 'hello' || (m.type === 'event' && m['code'] === EventCode.EnvsChanged));
  const last = lists.at(-1);
  return ((last?.type === 'hello' ? last['envList'] : last?.['envs']) as EnvInfo[] | undefined) ?? [];
}

async function viewerOn(s: { server: { url: string } }, token?: string): Promise<TestClient> {
  const v = new TestClient(wsOf(s));
  await v.opened();
  await v.waitFor((m) => m.type === 'hello');
  if (token) expect((await v.request({ type: 'auth', id: 1, token })).type).toBe('ack');
  return v;
}

describe.skipIf(natsMissing !== undefined)('a cluster of two nodes on a real nats-server', () => {
  let nats: NatsServer;
  let a: Serving;
  let b: HubServing;
  let bus: NatsConnection;
  const viewers: TestClient[] = [];

  beforeAll(async () => {
    nats = await NatsServer.start();
    a = await serve(testServeOptions({ control: { mode: 'token', token: TOKEN }, cluster: { url: nats.url, node: 'A', reconnectMs: 200 } }));
    b = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, log: silentLogger(), control: { mode: 'token', token: TOKEN }, cluster: { url: nats.url, node: 'B', reconnectMs: 200 } });
    bus = await connect({ servers: nats.url.replace('nats://', ''), maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  });
  afterEach(() => {
    for (const v of viewers.splice(0)) v.ws.close();
  });
  afterAll(async () => {
    await bus?.close().catch(() => undefined);
    await Promise.all([a?.stop(), b?.stop()]);
    await nats?.stop();
  });

  it("shows A's local env on B, numbered after B's publishers' range, with frames and state", async () => {
    const v = await viewerOn(b);
    viewers.push(v);
    const remote = await until("A's env in B's list", () => envList(v).find((e) => e.node === 'A'));
    expect(remote).toMatchObject({ env: 1024, label: 'A/env 0', source: 'remote', node: 'A', live: true, width: 160, height: 144, can: { input: true, emulatorSpeed: false, seek: false } });
    v.send({ type: 'subscribe', id: 2, envs: [1024], fps: 10 });
    const frame = await v.waitFor((m) => m.type === 'frame' && m['env'] === 1024, 15_000);
    expect(frame['data']).toBeInstanceOf(Uint8Array);
    expect((frame['data'] as Uint8Array).subarray(0, 2)).toEqual(new Uint8Array([0xff, 0xd8]));
    expect(Object.keys(frame['state'] as object).length).toBeGreaterThan(0);
    const health = (await (await fetch(`${b.server.url}api/health`)).json()) as { cluster: { nodes: Array<{ node: string; rom: string }> } };
    expect(health.cluster.nodes).toEqual([expect.objectContaining({ node: 'A', rom: a.title })]);
    const envs = (await (await fetch(`${b.server.url}api/envs`)).json()) as Array<{ env: number }>;
    expect(envs.map((e) => e.env)).toContain(1024);
  });

  it("streams A's env as MJPEG from B to a reader that is the only one wanting it", async () => {
    await sleep(3500); // the earlier viewer's lease lapses
    const controller = new AbortController();
    const res = await fetch(`${b.server.url}stream.mjpg?env=1024`, { signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let bytes = new Uint8Array(0);
    const deadline = Date.now() + 5000;
    // Two JPEG starts: the latest stored frame, then one that crossed the bus for this reader.
    while ([...bytes.keys()].filter((i) => bytes[i] === 0xff && bytes[i + 1] === 0xd8 && bytes[i + 2] === 0xff).length < 2) {
      if (Date.now() > deadline) throw new Error(`only ${bytes.length} bytes of MJPEG in 5 s`);
      const { value } = await reader.read();
      if (value) bytes = new Uint8Array([...bytes, ...value]);
    }
    controller.abort();
  });

  it("shows a publisher's env on A to a viewer on B, with frames", async () => {
    const pub = await TsPublisher.start(wsOf(a), 1, 'trainer', TOKEN);
    try {
      const v = await viewerOn(b);
      viewers.push(v);
      const remote = await until('the published env on B', () => envList(v).find((e) => e.node === 'A' && e.label === 'A/trainer/0'));
      v.send({ type: 'subscribe', id: 2, envs: [remote.env], fps: 10 });
      const frame = await v.waitFor((m) => m.type === 'frame' && m['env'] === remote.env, 6000);
      expect(frame['width']).toBe(160);
      expect(pub.wanted).toBe(1);
    } finally {
      pub.client.ws.close();
    }
  });

  it("puts a StreamWrapper upload to A on B's /api/map", async () => {
    const url = a.server.url.replace(/^http/, 'ws') + `broadcast?token=${TOKEN}`;
    const sent = await runWrapper({ url, messages: [{ metadata: { user: 'cluster-ash', env_id: 4, color: '#0033ff', extra: 'x', sprite_id: 0 }, coords: [[5, 6, 0]] }] });
    expect(sent).toMatchObject({ connected: true, sent: 1 });
    const agent = await until("the agent on B's map", async () => {
      const body = (await (await fetch(`${b.server.url}api/map`)).json()) as { agents: Array<{ user?: string; envId?: number; gx: number; gy: number }> };
      return body.agents.find((x) => x.user === 'cluster-ash');
    });
    expect(agent).toMatchObject({ envId: 4, gx: 69, gy: 324 });
  });

  it("shows training numbers posted to A in B's /api/progress", async () => {
    const posted = await fetch(`${a.server.url}api/progress`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reward: 1.5, step: 42 }) });
    expect(posted.status).toBe(202);
    const seen = await until("A's progress on B", async () => {
      const r = await fetch(`${b.server.url}api/progress`);
      return r.status === 200 ? ((await r.json()) as { source?: string; values: Record<string, number> }) : undefined;
    });
    expect(seen).toMatchObject({ source: 'A/http', values: { reward: 1.5, step: 42 } });
    // It does not come back to A as A's own.
    await sleep(1200);
    expect(((await (await fetch(`${a.server.url}api/progress`)).json()) as { source?: string }).source).toBe('http');
  });

  it('refuses progress from another node that breaks the one rule (64 values, 64-character names)', async () => {
    const send = (source: string, values: Record<string, number>) =>
      bus.publish(subjects.progress('Z'), encodeCluster({ type: 'nprogress', node: 'Z', source, values }));
    const latest = async () => ((await (await fetch(`${b.server.url}api/progress`)).json()) as { source?: string }).source;
    send('good', { reward: 2 });
    await until("Z's progress on B", async () => ((await latest()) === 'Z/good' ? true : undefined));
    send('too-many', Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`v${i}`, i])));
    send('long-name', { ['x'.repeat(65)]: 1 });
    send('empty', {});
    await sleep(1200);
    expect(await latest()).toBe('Z/good');
  });

  it("takes input and commands from B's viewer to A's env, with A's token", async () => {
    const env = a.envs[0]!;
    const seen: string[][] = [];
    const input = env.input.bind(env);
    env.input = (buttons, frames) => {
      seen.push([...buttons]);
      return input(buttons, frames);
    };
    const v = await viewerOn(b, TOKEN);
    viewers.push(v);
    await until("A's env on B", () => envList(v).find((e) => e.env === 1024));
    const ack = await v.request({ type: 'input', id: 3, env: 1024, buttons: ['a', 'start'], frames: 2 });
    expect(ack).toMatchObject({ type: 'ack' });
    expect(seen).toContainEqual(['a', 'start']);
    expect(await v.request({ type: 'command', id: 4, env: 1024, name: 'pause' })).toMatchObject({ type: 'ack' });
    expect(a.envs[0]!.stats()).toMatchObject({ paused: true });
    expect(await v.request({ type: 'command', id: 5, env: 1024, name: 'resume' })).toMatchObject({ type: 'ack' });
  });

  it('sends no frame over the bus while no node has a viewer, and sends when one comes', async () => {
    let frames = 0;
    const sub = bus.subscribe(subjects.allFrames, { callback: () => void frames++ });
    await bus.flush();
    // Leases of the earlier tests' viewers lapse within 3 s.
    await sleep(3500);
    frames = 0;
    await sleep(2000);
    expect(frames).toBe(0);
    const v = await viewerOn(b);
    viewers.push(v);
    v.send({ type: 'subscribe', id: 2, envs: [1024], fps: 10 });
    await until('a frame on the bus', () => frames > 0 || undefined, 5000);
    sub.unsubscribe();
  });

  it('keeps serving its own envs when nats-server stops, tells viewers once, and rejoins when it is back', async () => {
    const va = await viewerOn(a);
    const vb = await viewerOn(b);
    viewers.push(va, vb);
    await until("A's env on B", () => envList(vb).find((e) => e.node === 'A'));
    await nats.stop();
    const down = await va.waitFor((m) => m.type === 'event' && m['code'] === EventCode.ClusterDown, 15_000);
    expect(down['level']).toBe('warn');
    await vb.waitFor((m) => m.type === 'event' && m['code'] === EventCode.ClusterDown, 15_000);
    await until("A's env gone from B", () => !envList(vb).some((e) => e.node === 'A') || undefined);
    // A's own env keeps streaming to A's viewer without the bus.
    const from = va.messages.length;
    await va.waitFor((m) => m.type === 'frame' && m['env'] === 0, 15_000, from);
    await nats.restart();
    await vb.waitFor((m) => m.type === 'event' && m['code'] === EventCode.ClusterUp, 15_000);
    await until("A's env back on B (same id)", () => envList(vb).find((e) => e.node === 'A' && e.env === 1024), 10_000);
    expect(va.messages.filter((m: Received) => m.type === 'event' && m['code'] === EventCode.ClusterDown)).toHaveLength(1);
  });
});

describe.skipIf(natsMissing !== undefined)("input to another node's env when that node's token differs", () => {
  let nats: NatsServer;
  let a: Serving;
  let b: HubServing;

  beforeAll(async () => {
    nats = await NatsServer.start();
    a = await serve(testServeOptions({ control: { mode: 'token', token: 'the-token-of-A' }, cluster: { url: nats.url, node: 'A2' } }));
    b = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, log: silentLogger(), control: { mode: 'token', token: 'the-token-of-B' }, cluster: { url: nats.url, node: 'B2' } });
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await nats?.stop();
  });

  it('is refused by the node that owns the env', async () => {
    const v = await viewerOn(b, 'the-token-of-B');
    await until("A2's env on B2", () => envList(v).find((e) => e.node === 'A2'));
    const answer = await v.request({ type: 'input', id: 3, env: 1024, buttons: ['a'], frames: 1 });
    expect(answer).toMatchObject({ type: 'error', code: 'GBS_ERR_CONTROL_DENIED' });
    expect(String(answer['message'])).toContain('A2');
    v.ws.close();
  });
});

describe.skipIf(natsMissing !== undefined)('a recording that chooses envs (--record-envs)', () => {
  it("records another node's env with no viewer anywhere, and leaves out the envs not chosen", async () => {
    const nats = await NatsServer.start();
    const dir = await mkdtemp(join(tmpdir(), 'gbs-cluster-rec-'));
    const file = join(dir, 'b.gbrec');
    const a = await serve(testServeOptions({ cluster: { url: nats.url, node: 'A3' } }));
    const b = await serve(testServeOptions({ record: { file, envs: parseEnvChoice('node:A3') }, cluster: { url: nats.url, node: 'B3' } }));
    try {
      await until("A3's env on B3", async () => ((await (await fetch(`${b.server.url}api/health`)).json()) as { cluster: { remoteEnvs: number } }).cluster.remoteEnvs === 1 || undefined);
      await sleep(2500);
    } finally {
      await b.stop();
      await a.stop();
      await nats.stop();
    }
    const envs = new Map<number, number>();
    for await (const item of readRecordings(memoryByteSource(await readFile(file)))) {
      if (item.kind === 'record' && item.message.type === 'frame') envs.set(item.message['env'] as number, (envs.get(item.message['env'] as number) ?? 0) + 1);
    }
    // B3's own env 0 runs all along but is not chosen; A3's env (1025 on a serve with one env) is.
    expect([...envs.keys()]).toEqual([1025]);
    expect(envs.get(1025)).toBeGreaterThan(5);
  });
});

describe.skipIf(natsMissing !== undefined)('two processes with one node name', () => {
  it('say so in the log', async () => {
    const nats = await NatsServer.start();
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const first = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, log, control: { mode: 'open' }, cluster: { url: nats.url, node: 'twin' } });
    const second = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, log: silentLogger(), control: { mode: 'open' }, cluster: { url: nats.url, node: 'twin' } });
    try {
      await until('the clash in the log', () => lines.find((l) => String(l['msg']).includes('another process announces the node name "twin"')));
    } finally {
      await Promise.all([first.stop(), second.stop()]);
      await nats.stop();
    }
  });
});
