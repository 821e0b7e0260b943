/**
 * One site, many sources (issue 21): the same contract holds whatever supplies the envs — local
 * emulators (`serve`), publishers (`hub`), a recording (`replay`), an input log re-emulated
 * (`replay --rom`), another node of a cluster. Same `/api/health` and hello shape, frames on demand
 * (WebSocket and HTTP), and a shutdown that leaves no interval running and no socket open.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startHub } from '../src/app/hub.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replay } from '../src/app/replay.js';
import { replayInputs } from '../src/app/replay-inputs.js';
import { DEMO_ROM_PATH } from '../src/paths.js';
import { liveRun } from './helpers/input-log.js';
import { serve } from '../src/app/serve.js';
import { silentLogger } from '../src/log.js';
import { writePngRecording } from './helpers/png-recording.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TsPublisher } from './helpers/ts-publisher.js';
import { TestClient } from './helpers/ws-client.js';
import { startCli } from './helpers/cli.js';
import { natsMissing, NatsServer } from './helpers/nats-server.js';

interface Running {
  url: string;
  kind: 'serve' | 'hub' | 'replay';
  stop(): Promise<void>;
  /** Producers outside the site (a publisher), stopped before the site. */
  extra?: () => void;
}

const inputsDir = mkdtempSync(join(tmpdir(), 'gbs-contract-'));
afterAll(() => rmSync(inputsDir, { recursive: true, force: true }));

const KINDS: Record<string, () => Promise<Running>> = {
  'local envs (serve)': async () => {
    const s = await serve(testServeOptions());
    return { url: s.server.url, kind: 'serve', stop: s.stop };
  },
  'publishers (hub)': async () => {
    const s = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, control: { mode: 'open' }, log: silentLogger() });
    const publisher = await TsPublisher.start(s.server.url.replace(/^http/, 'ws') + 'ws', 2, 'contract');
    return { url: s.server.url, kind: 'hub', stop: s.stop, extra: () => publisher.close() };
  },
  'a recording (replay)': async () => {
    const s = await replay({ file: await writePngRecording(), port: 0, host: '127.0.0.1', speed: 1, loop: true, log: silentLogger() });
    return { url: s.server.url, kind: 'replay', stop: s.stop };
  },
  'an input log (replay --rom)': async () => {
    const file = join(inputsDir, 'inputs.gbrec');
    writeFileSync(file, (await liveRun(DEMO_ROM_PATH, { kind: 'serverboy' }, 90, 1, 7, false)).bytes);
    const s = await replayInputs({ file, rom: DEMO_ROM_PATH, port: 0, host: '127.0.0.1', fps: 30, speed: 1, loop: true, log: silentLogger() });
    return { url: s.server.url, kind: 'replay', stop: s.stop };
  },
  // A hub whose only env is another node's (a `gbstream serve` process), over a real nats-server.
  ...(natsMissing === undefined && {
    'envs of another node (cluster hub)': async (): Promise<Running> => {
      const nats = await NatsServer.start();
      const other = await startCli(['serve', '--port', '0', '--core', 'serverboy', '--node', 'other', '--cluster', nats.url]);
      const s = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, control: { mode: 'open' }, log: silentLogger(), cluster: { url: nats.url, node: 'contract' } });
      await expect.poll(async () => (await (await fetch(`${s.server.url}api/health`)).json()).cluster.nodes.length, { timeout: 5000 }).toBe(1);
      return { url: s.server.url, kind: 'hub', stop: s.stop, extra: () => {
        other.child.kill('SIGKILL');
        void nats.stop();
      } };
    },
  }),
};

const HEALTH_KEYS = ['ok', 'site', 'rom', 'format', 'envs', 'clients', 'uptimeS', 'sources', 'env'];
const HELLO_KEYS = ['type', 'protocol', 'server', 'site', 'rom', 'envs', 'fps', 'width', 'height', 'speed', 'map', 'fields', 'encoder', 'format', 'control', 'can'];

/** Intervals made while `track` is on, and whether each was cleared. */
function trackIntervals() {
  const live = new Set<unknown>();
  const set = globalThis.setInterval;
  const clear = globalThis.clearInterval;
  vi.spyOn(globalThis, 'setInterval').mockImplementation(((fn: () => void, ms?: number, ...args: unknown[]) => {
    const handle = set(fn, ms, ...args);
    live.add(handle);
    return handle;
  }) as typeof setInterval);
  vi.spyOn(globalThis, 'clearInterval').mockImplementation(((handle: Parameters<typeof clearInterval>[0]) => {
    live.delete(handle);
    clear(handle);
  }) as typeof clearInterval);
  return live;
}

const sockets = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;

for (const [name, start] of Object.entries(KINDS)) {
  describe(`the site with ${name}`, () => {
    let running: Running | undefined;
    let intervals: Set<unknown>;
    let socketsBefore: number;
    beforeEach(async () => {
      socketsBefore = sockets();
      intervals = trackIntervals();
      running = await start();
    });
    afterEach(async () => {
      running?.extra?.();
      await running?.stop();
      vi.restoreAllMocks();
    });

    it('answers /api/health and hello in the one shape, and delivers frames on demand', async () => {
      const r = running!;
      const health = await (await fetch(`${r.url}api/health`)).json();
      expect(Object.keys(health)).toEqual(expect.arrayContaining(HEALTH_KEYS));
      expect(health).toMatchObject({ ok: true, site: r.kind });
      expect(Array.isArray(health.env)).toBe(true);

      const client = new TestClient(r.url.replace(/^http/, 'ws') + 'ws');
      await client.opened();
      const hello = await client.waitFor((m) => m.type === 'hello');
      expect(Object.keys(hello)).toEqual(expect.arrayContaining(HELLO_KEYS));
      expect(hello['site']).toMatchObject({ kind: r.kind });
      expect(Object.keys(hello['can'] as object).sort()).toEqual(['emulatorSpeed', 'input', 'seek']);

      // Frames of the env asked for: over the socket, and over HTTP from the same store.
      const id = (hello['envList'] as Array<{ env: number }> | undefined)?.[0]?.env ?? 0;
      await client.request({ type: 'subscribe', id: 1, envs: [id] });
      const frame = await client.waitFor((m) => m.type === 'frame', 15_000);
      expect(frame['env']).toBe(id);
      expect((await fetch(`${r.url}api/frame.png?env=${id}`)).status).toBe(200);
      const stats = await client.waitFor((m) => m.type === 'stats', 15_000);
      expect(stats).toMatchObject({ type: 'stats', clients: 1 });
      client.ws.close();
      await client.closed;
    });

    it('stops once and cleanly: every interval it started is cleared, no socket is left', async () => {
      const client = new TestClient(running!.url.replace(/^http/, 'ws') + 'ws');
      await client.opened();
      await client.waitFor((m) => m.type === 'hello');
      expect(intervals.size).toBeGreaterThan(0); // the check sees the site's timers
      running!.extra?.();
      const stopping = running!.stop();
      expect(running!.stop()).toBe(stopping); // twice is once
      await stopping;
      expect(await client.closed).toBe(1001);
      expect([...intervals]).toEqual([]);
      // Sockets close a tick after their handles say so.
      await expect.poll(sockets, { timeout: 2000 }).toBeLessThanOrEqual(socketsBefore);
      running = undefined;
    });
  });
}
