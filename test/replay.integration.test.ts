import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { replay, type Replaying } from '../src/app/replay.js';
import { silentLogger } from '../src/log.js';
import { decodeBody } from '../src/protocol/record.js';
import { runCli, startCli } from './helpers/cli.js';
import { TestClient } from './helpers/ws-client.js';

const GOOD = new URL('./fixtures/good.gbrec', import.meta.url).pathname;
const START_TS = 1_700_000_000_000;

/** The good fixture's frame records by seq, as raw bytes. */
async function recordedFrames(): Promise<Map<number, Buffer>> {
  const file = await readFile(GOOD);
  const out = new Map<number, Buffer>();
  for (let at = 0; at < file.length; at += 4 + file.readUInt32BE(at)) {
    const bytes = file.subarray(at, at + 4 + file.readUInt32BE(at));
    const message = decodeBody(bytes.subarray(4));
    if (message.type === 'frame') out.set(message['seq'] as number, bytes);
  }
  return out;
}

let running: Replaying | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function startReplay(options: { speed?: number; loop?: boolean } = {}) {
  running = await replay({ file: GOOD, port: 0, host: '127.0.0.1', speed: options.speed ?? 1, loop: options.loop ?? false, log: silentLogger() });
  running.player.pause();
  const client = new TestClient(running.server.url.replace(/^http/, 'ws') + 'ws');
  const raw: Buffer[] = [];
  client.ws.on('message', (data: Buffer) => raw.push(Buffer.from(data)));
  await client.opened();
  await client.waitFor((m) => m.type === 'hello');
  return { client, raw, player: running.player };
}

const framesAfter = (client: TestClient, from: number) => client.messages.slice(from).filter((m) => m.type === 'frame');

describe('gbstream replay', () => {
  it('serves the recorded frame bytes unchanged, paced by their timestamps, with replay info in hello', async () => {
    const { client, raw } = await startReplay();
    const hello = client.messages[0]!;
    expect(hello).toMatchObject({ type: 'hello', control: true, replay: { durationMs: 1900, frames: 20, startTs: START_TS } });
    expect((hello['rom'] as { title: string }).title).toBe('GBSTREAM DEMO');
    // The server started playing before this client came; seek back to the first frame.
    expect(await client.request({ type: 'command', id: 1, name: 'seek', args: { ms: 0 } })).toMatchObject({ type: 'ack', of: 'command' });
    const t0 = performance.now();
    expect(await client.request({ type: 'command', id: 2, name: 'resume' })).toMatchObject({ type: 'ack', of: 'command' });
    const end = await client.waitFor((m) => m.type === 'event' && m['code'] === 'GBS_REPLAY_END', 15_000);
    // Exact pacing is proven on an injected clock (replay-player.test.ts); here only that a real
    // replay is never early, with a loose "not stuck" ceiling.
    const elapsed = end.receivedAt - t0;
    expect(elapsed).toBeGreaterThan(1700);
    expect(elapsed).toBeLessThan(10_000);

    const recorded = await recordedFrames();
    const frames = client.messages.map((m, k) => [m, raw[k]!] as const).filter(([m]) => m.type === 'frame');
    // Every frame in order. When the machine is so loaded that the pump falls a frame behind, the
    // player skips to the newest due frame (latest wins, as live): allow that, never reordering.
    const seqs = frames.map(([m]) => m['seq'] as number);
    expect(seqs[0]).toBe(0);
    expect(seqs.at(-1)).toBe(19);
    expect(seqs.every((s, k) => k === 0 || s > seqs[k - 1]!)).toBe(true);
    expect(seqs.length).toBeGreaterThanOrEqual(18);
    for (const [m, bytes] of frames) expect(bytes.equals(recorded.get(m['seq'] as number)!)).toBe(true);
    // The recorded event is replayed too.
    expect(client.of('event').some((e) => e['code'] === 'GBS_RESET')).toBe(true);
  });

  it('honours pause, seek and resume', async () => {
    const { client } = await startReplay();
    await client.request({ type: 'command', id: 1, name: 'resume' });
    await client.waitFor((m) => m.type === 'frame' && (m['seq'] as number) >= 3);
    await client.request({ type: 'command', id: 2, name: 'pause' });
    const paused = client.messages.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(framesAfter(client, paused)).toEqual([]);

    // A seek while paused shows the frame it landed on, and stays paused.
    await client.request({ type: 'command', id: 3, name: 'seek', args: { ms: 1500 } });
    const landed = await client.waitFor((m) => m.type === 'frame', 15_000, paused);
    expect(landed['seq']).toBe(15);
    expect(landed['ts']).toBe(START_TS + 1500);
    await new Promise((r) => setTimeout(r, 300));
    expect(framesAfter(client, paused)).toHaveLength(1);

    const resumed = client.messages.length;
    await client.request({ type: 'command', id: 4, name: 'resume' });
    const next = await client.waitFor((m) => m.type === 'frame', 15_000, resumed);
    expect(next['seq']).toBe(16);
  });

  it('honours speed: 4× plays 20 frames in about a quarter of the time', async () => {
    const { client } = await startReplay();
    await client.request({ type: 'command', id: 1, name: 'speed', args: { value: 4 } });
    const from = client.messages.length;
    await client.request({ type: 'command', id: 2, name: 'resume' });
    const first = await client.waitFor((m) => m.type === 'frame', 15_000, from);
    const last = await client.waitFor((m) => m.type === 'frame' && m['seq'] === 19, 15_000, from);
    // 1900 ms of recording at 4×: never early, and faster than 1× (exact pacing: replay-player.test.ts).
    const ms = last.receivedAt - first.receivedAt;
    expect(ms).toBeGreaterThan(300);
    expect(ms).toBeLessThan(1900);
  });

  it('loops with --loop, and refuses bad commands with error codes', async () => {
    const { client } = await startReplay({ speed: 8, loop: true });
    await client.request({ type: 'command', id: 1, name: 'resume' });
    await client.waitFor((m) => m.type === 'frame' && m['seq'] === 19, 15_000);
    const at = client.messages.length;
    await client.waitFor((m) => m.type === 'frame' && m['seq'] === 0, 15_000, at);
    expect(await client.request({ type: 'command', id: 2, name: 'speed', args: { value: 0 } })).toMatchObject({ type: 'error', code: 'GBS_ERR_BAD_FIELD' });
    expect(await client.request({ type: 'command', id: 3, name: 'seek', args: { ms: -5 } })).toMatchObject({ type: 'error', code: 'GBS_ERR_BAD_FIELD' });
    expect(await client.request({ type: 'command', id: 4, name: 'reset' })).toMatchObject({ type: 'error', code: 'GBS_ERR_UNSUPPORTED' });
  });

  it('runs from the CLI and refuses files that are not recordings', async () => {
    const { child, wsUrl } = await startCli(['replay', GOOD, '--port', '0']);
    try {
      const client = new TestClient(wsUrl);
      await client.opened();
      expect(await client.waitFor((m) => m.type === 'hello')).toMatchObject({ replay: { frames: 20 } });
      await client.waitFor((m) => m.type === 'frame');
      client.ws.close();
    } finally {
      child.kill('SIGTERM');
    }
    const bad = await runCli(['replay', 'package.json', '--port', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not a gbstream recording/);
    const speed = await runCli(['replay', GOOD, '--speed', 'max']);
    expect(speed.code).not.toBe(0);
    expect(speed.stderr).toMatch(/`speed`.*`max`/);
  });
});
