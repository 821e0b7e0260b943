/**
 * `/broadcast` against real servers: a real python3 (Debian's websockets 10.4) sends exactly what
 * PokemonRedExperiments' StreamWrapper sends, and the agents appear in GET /api/map at the right
 * global positions; the refused cases close or refuse with a reason and a log line and affect no
 * one else; gbstream's own envs appear through a memory map's position declaration; and the
 * positions reach recordings and replays.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { ConfigError } from '../src/config-error.js';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub } from '../src/app/hub.js';
import { replay } from '../src/app/replay.js';
import { serve, type Serving } from '../src/app/serve.js';
import { silentLogger } from '../src/log.js';
import type { ApiMapAgent } from '../src/map/positions.js';
import type { PositionsMessage } from '../src/protocol/messages.js';
import { memoryByteSource, readRecordings } from '../src/record/file-reader.js';
import { broadcastAccess, MAX_BROADCAST_MESSAGE_BYTES } from '../src/server/broadcast-endpoint.js';
import { testServeOptions } from './helpers/serve-options.js';
import { runWrapper } from './helpers/stream-wrapper.js';
import { TestClient } from './helpers/ws-client.js';

/** A logger whose lines a test can read. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

type MapBody = { layout: { name: string; width: number; height: number }; agents: ApiMapAgent[]; visits: { cells: Array<[number, number, number]>; max: number } };
const getMap = async (serving: Serving): Promise<MapBody> => (await (await fetch(`${serving.server.url}api/map`)).json()) as MapBody;
const broadcastUrl = (serving: Serving, query = '') => serving.server.url.replace(/^http/, 'ws') + 'broadcast' + query;

/** The wrapper's message: metadata as PokemonRedExperiments' README shows it, coords [x, y, map_id]. */
const wrapperMessage = (user: string, envId: number, color: string, coords: number[][]) => ({ metadata: { user, env_id: envId, color, extra: `coords: ${coords.length}`, sprite_id: 0 }, coords });

describe('/broadcast from a StreamWrapper (loopback, no token)', () => {
  let serving: Serving;
  const { log, lines } = capturedLogger();

  beforeAll(async () => {
    serving = await serve(testServeOptions({ log }));
  });
  afterAll(async () => {
    await serving?.stop();
  });

  it('puts each (user, env_id) on the map at its global position', async () => {
    const url = broadcastUrl(serving);
    // Two wrapped envs, each with its own socket, as StreamWrapper does; two uploads from the first.
    const [a, b] = await Promise.all([
      runWrapper({ url, messages: [wrapperMessage('ash', 0, '#0033ff', [[5, 6, 0], [5, 7, 0]]), wrapperMessage('ash', 0, '#0033ff', [[5, 8, 0], [6, 8, 0]])] }),
      runWrapper({ url, messages: [wrapperMessage('misty', 7, '#ff3300', [[10, 3, 3]])] }),
    ]);
    expect(a).toMatchObject({ connected: true, sent: 2, close_code: 1000 });
    expect(b).toMatchObject({ connected: true, sent: 1, close_code: 1000 });
    const body = await getMap(serving);
    expect(body.layout).toEqual({ name: 'kanto-map-layout', width: 436, height: 444 });
    const byUser = Object.fromEntries(body.agents.map((x) => [x.user, x]));
    // Pallet Town (map 0) is at (64, 318) on the Kanto canvas; Cerulean City (3) at (234, 120).
    expect(byUser['ash']).toMatchObject({ envId: 0, label: 'ash #0', color: '#0033ff', extra: 'coords: 2', map: 0, x: 6, y: 8, gx: 70, gy: 326 });
    expect(byUser['misty']).toMatchObject({ envId: 7, color: '#ff3300', map: 3, x: 10, y: 3, gx: 244, gy: 123 });
    expect(typeof byUser['ash']!.updatedAt).toBe('number');
    expect(byUser['ash']!.trail).toEqual([[69, 324], [69, 325], [69, 326], [70, 326]]);
    expect(body.visits.cells).toContainEqual([244, 123, 1]);
    expect(body.agents).toHaveLength(2);
  });

  it('sends the positions to viewers as records, and the whole map to a viewer that joins', async () => {
    const viewer = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
    await viewer.opened();
    // (Points still pending when it joins reach every viewer first, this one too; the full record follows.)
    const full = (await viewer.waitFor((m) => m.type === 'positions' && m['full'] === true)) as unknown as PositionsMessage;
    expect(full.agents.map((x) => x.user).sort()).toEqual(['ash', 'misty']);
    await runWrapper({ url: broadcastUrl(serving), messages: [wrapperMessage('brock', 2, '#00aa00', [[1, 1, 2]])] });
    // Updates after the full record only (one flushed as it joined may come before it).
    const afterFull = viewer.messages.indexOf(full as unknown as (typeof viewer.messages)[number]) + 1;
    const update = (await viewer.waitFor((m) => m.type === 'positions' && !m['full'], 15_000, afterFull)) as unknown as PositionsMessage;
    expect(update.agents).toEqual([expect.objectContaining({ id: 'ws:brock:2', user: 'brock', gx: 55, gy: 139, path: [55, 139] })]);
    viewer.ws.close();
  });

  it('closes a socket that sends malformed JSON, a wrong shape, binary or too much — with a reason and a log line — and no one else notices', async () => {
    const viewer = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
    await viewer.opened();
    const url = broadcastUrl(serving);
    const cases = [
      { spec: { url, messages: ['{"metadata": {"user": "x"}, "coords": [[1, 2'], wait_close: 5 }, code: 1007, reason: 'malformed JSON' },
      { spec: { url, messages: [{ metadata: { user: 'x' }, coords: [[1, 2]] }], wait_close: 5 }, code: 1007, reason: /coords\[0\] must be \[x, y, map_id\]/ },
      { spec: { url, messages: ['{"metadata": {}, "coords": []}'], binary: true, wait_close: 5 }, code: 1003, reason: /binary/ },
      { spec: { url, messages: ['x'.repeat(MAX_BROADCAST_MESSAGE_BYTES + 1)], wait_close: 5 }, code: 1009, reason: '' },
    ];
    for (const c of cases) {
      const before = lines.length;
      const result = await runWrapper(c.spec);
      expect(result.connected).toBe(true);
      expect(result.close_code).toBe(c.code);
      if (typeof c.reason === 'string') expect(result.close_reason).toBe(c.reason);
      else expect(result.close_reason).toMatch(c.reason);
      expect(lines.slice(before).some((l) => l['level'] === 40 && /closing \/broadcast client/.test(String(l['msg'])))).toBe(true);
    }
    // The viewer is still connected, and the next good wrapper still gets through.
    expect(viewer.closeCode).toBeUndefined();
    await runWrapper({ url, messages: [wrapperMessage('gary', 1, '#aa00aa', [[2, 2, 0]])] });
    expect((await getMap(serving)).agents.find((x) => x.user === 'gary')).toMatchObject({ gx: 66, gy: 320 });
    viewer.ws.close();
  });
});

describe('/broadcast access', () => {
  it('decides: a token in the URL when one is set; else only on loopback', () => {
    expect(broadcastAccess('127.0.0.1', undefined, null)).toEqual({ ok: true });
    expect(broadcastAccess('::1', undefined, null)).toEqual({ ok: true });
    expect(broadcastAccess('0.0.0.0', undefined, null)).toMatchObject({ ok: false, status: 403 });
    expect(broadcastAccess('192.0.2.2', undefined, 'anything')).toMatchObject({ ok: false, status: 403 });
    expect(broadcastAccess('127.0.0.1', 'sekrit', null)).toMatchObject({ ok: false, status: 401 });
    expect(broadcastAccess('127.0.0.1', 'sekrit', 'wrong')).toMatchObject({ ok: false, status: 401 });
    expect(broadcastAccess('0.0.0.0', 'sekrit', 'sekrit')).toEqual({ ok: true });
  });

  it('with a control token, refuses a wrapper without ?token= or with a wrong one, and takes the right one', async () => {
    const { log, lines } = capturedLogger();
    const serving = await serve(testServeOptions({ log, control: { mode: 'token', token: 'sekrit' } }));
    try {
      const msg = [wrapperMessage('ash', 0, '#0033ff', [[1, 1, 0]])];
      expect(await runWrapper({ url: broadcastUrl(serving), messages: msg })).toMatchObject({ connected: false, status: 401 });
      expect(await runWrapper({ url: broadcastUrl(serving, '?token=nope'), messages: msg })).toMatchObject({ connected: false, status: 401 });
      expect((await getMap(serving)).agents).toEqual([]);
      expect(lines.some((l) => /refused \/broadcast: this server has a control token/.test(String(l['msg'])))).toBe(true);
      // The token never reaches the log.
      expect(JSON.stringify(lines)).not.toContain('nope');
      expect(await runWrapper({ url: broadcastUrl(serving, '?token=sekrit'), messages: msg })).toMatchObject({ connected: true, sent: 1 });
      expect((await getMap(serving)).agents).toEqual([expect.objectContaining({ user: 'ash', gx: 65, gy: 319 })]);
    } finally {
      await serving.stop();
    }
  });

  it('refuses a browser page from another origin (a web page must not post positions to a local gbstream)', async () => {
    const serving = await serve(testServeOptions());
    try {
      const status = await new Promise<number | undefined>((resolve) => {
        const ws = new WebSocket(broadcastUrl(serving), { origin: 'http://evil.example' });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
        ws.on('open', () => resolve(101));
      });
      expect(status).toBe(403);
    } finally {
      await serving.stop();
    }
  });

  const localAddress = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  it.skipIf(!localAddress)('refuses every wrapper when bound to a network address without a token', async () => {
    const serving = await serve(testServeOptions({ host: localAddress!, allowOrigins: [] }));
    try {
      const result = await runWrapper({ url: broadcastUrl(serving), messages: [wrapperMessage('ash', 0, '#0033ff', [[1, 1, 0]])] });
      expect(result).toMatchObject({ connected: false, status: 403 });
      expect((await getMap(serving)).agents).toEqual([]);
    } finally {
      await serving.stop();
    }
  });
});

describe('positions from gbstream envs (memory map position declaration)', () => {
  it('places each demo ROM env at its room offset plus its x/y (test/fixtures/demo-layout.json)', async () => {
    const serving = await serve(testServeOptions({ map: 'test/fixtures/demo-position.json', policy: { kind: 'random' }, seed: 9, envs: 2 }));
    try {
      await expect.poll(async () => (await getMap(serving)).agents.length, { timeout: 10_000 }).toBe(2);
      // Paused, the latest frame's state and the map must come to agree exactly.
      await Promise.all(serving.envs.map((e) => e.command('pause', {})));
      const expected = async () => {
        const states = (await (await fetch(`${serving.server.url}api/state`)).json()) as Record<string, { state: Record<string, number> }>;
        return Object.entries(states).map(([env, { state }]) => ({
          id: `env:${env}`,
          env: Number(env),
          label: `env ${env}`,
          map: state['room'],
          x: state['x'],
          y: state['y'],
          gx: state['x']! + (state['room']! % 16) * 160 + 8,
          gy: state['y']! + Math.floor(state['room']! / 16) * 144 + 4,
        }));
      };
      const actual = async () => (await getMap(serving)).agents.map(({ id, env, label, map, x, y, gx, gy }) => ({ id, env, label, map, x, y, gx, gy })).sort((a, b) => a.id.localeCompare(b.id));
      await expect.poll(async () => JSON.stringify(await actual()) === JSON.stringify(await expected()), { timeout: 5000 }).toBe(true);
      expect((await getMap(serving)).layout).toEqual({ name: 'demo-layout', width: 2576, height: 2312 });
    } finally {
      await serving.stop();
    }
  });
});

describe('positions in recordings', () => {
  it('records positions records, and a replay sends them to viewers', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'gbs-map-')), 'map.gbrec');
    const serving = await serve(testServeOptions({ record: { file } }));
    await runWrapper({ url: broadcastUrl(serving), messages: [wrapperMessage('ash', 4, '#0033ff', [[3, 3, 0], [4, 3, 0]])] });
    const viewer = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
    await viewer.waitFor((m) => m.type === 'positions');
    await viewer.waitFor((m) => m.type === 'frame', 15_000, viewer.messages.length); // a frame after the positions
    viewer.ws.close();
    await serving.stop();

    const recorded: PositionsMessage[] = [];
    for await (const item of readRecordings(memoryByteSource(await readFile(file)))) {
      if (item.kind === 'record' && item.message.type === 'positions') recorded.push(item.message as unknown as PositionsMessage);
    }
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded[0]!.agents[0]).toMatchObject({ id: 'ws:ash:4', gx: 68, gy: 321, path: [67, 321, 68, 321] });

    const replaying = await replay({ file, port: 0, host: '127.0.0.1', speed: 1, loop: false, log: silentLogger() });
    try {
      const client = new TestClient(replaying.server.url.replace(/^http/, 'ws') + 'ws');
      const replayed = (await client.waitFor((m) => m.type === 'positions', 15_000)) as unknown as PositionsMessage;
      expect(replayed.agents[0]).toMatchObject({ id: 'ws:ash:4', gx: 68, gy: 321 });
      client.ws.close();
      // The recording names the bundled Kanto layout, so the replay can give the viewer its outlines.
      const layout = (await (await fetch(`${replaying.server.url}api/map/layout`)).json()) as { name: string; regions: unknown[] };
      expect(layout.name).toBe('kanto-map-layout');
      expect(layout.regions).toHaveLength(225);
      // /api/map answers from the playback position, as on the live server (issue 21).
      const map = (await (await fetch(`${replaying.server.url}api/map`)).json()) as { agents: Array<{ id: string; gx: number; trail: unknown[] }> };
      expect(map.agents[0]).toMatchObject({ id: 'ws:ash:4', gx: 68 });
      expect(map.agents[0]!.trail.length).toBeGreaterThan(0);
    } finally {
      await replaying.stop();
    }
  });
});

describe('map background picture (--map-background)', () => {
  it('is served aligned to the layout when given, refused when not an image, absent otherwise', async () => {
    const png = new PNG({ width: 4, height: 4 });
    png.data.fill(0x80);
    const file = join(await mkdtemp(join(tmpdir(), 'gbs-bg-')), 'kanto.png');
    await writeFile(file, PNG.sync.write(png));
    const withPicture = await serve(testServeOptions({ mapBackground: file }));
    try {
      const layout = (await (await fetch(`${withPicture.server.url}api/map/layout`)).json()) as { background: boolean; width: number; regions: unknown[] };
      expect(layout).toMatchObject({ background: true, width: 436 });
      expect(layout.regions).toHaveLength(225);
      const res = await fetch(`${withPicture.server.url}api/map/background`);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await res.arrayBuffer()).equals(await readFile(file))).toBe(true);
    } finally {
      await withPicture.stop();
    }
    await expect(serve(testServeOptions({ mapBackground: 'package.json' }))).rejects.toThrow(ConfigError);
    await expect(serve(testServeOptions({ mapBackground: 'package.json' }))).rejects.toThrow(/"package.json" is not a PNG, JPEG or WebP image/);
    const without = await serve(testServeOptions());
    try {
      expect(((await (await fetch(`${without.server.url}api/map/layout`)).json()) as { background: boolean }).background).toBe(false);
      expect((await fetch(`${without.server.url}api/map/background`)).status).toBe(404);
    } finally {
      await without.stop();
    }
  });
});

describe('/broadcast on gbstream hub', () => {
  it('takes StreamWrapper positions (with the token in the URL) and shows them in /api/map', async () => {
    const hub = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, control: { mode: 'token', token: 'hub-token' }, log: silentLogger() });
    try {
      const url = hub.server.url.replace(/^http/, 'ws') + 'broadcast';
      const msg = [wrapperMessage('ash', 3, '#0033ff', [[5, 6, 0]])];
      expect(await runWrapper({ url, messages: msg })).toMatchObject({ connected: false, status: 401 });
      expect(await runWrapper({ url: `${url}?token=hub-token`, messages: msg })).toMatchObject({ connected: true, sent: 1 });
      const body = (await (await fetch(`${hub.server.url}api/map`)).json()) as MapBody;
      expect(body.agents).toEqual([expect.objectContaining({ user: 'ash', envId: 3, gx: 69, gy: 324 })]);
    } finally {
      await hub.stop();
    }
  });
});
