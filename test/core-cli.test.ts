/**
 * `gbstream serve --core …` end to end: the chosen core streams, records and is named in hello,
 * stats, /api/health and `inspect`; a bad core file or a ROM the core refuses is one line and
 * exit 1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from './helpers/cli.js';
import { hasGambatte } from './helpers/gambatte.js';
import { TestClient } from './helpers/ws-client.js';

const dir = mkdtempSync(join(tmpdir(), 'gbstream-core-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectCleanFailure(result: { code: number | null; stderr: string }, pattern: RegExp) {
  expect(result.code).toBe(1);
  expect(result.stderr.trim().split('\n').filter((l) => l.startsWith('gbstream:'))).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe('gbstream serve --core', () => {
  it('serverboy is named serverboy in hello', async () => {
    const { child, wsUrl } = await startCli(['serve', '--port', '0', '--core', 'serverboy']);
    const client = new TestClient(wsUrl);
    try {
      const hello = await client.waitFor((m) => m.type === 'hello', 15_000);
      expect(hello['core']).toBe('serverboy');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it.skipIf(!hasGambatte)('gambatte streams frames with game state, names itself everywhere, and records', async () => {
    const rec = join(dir, 'gambatte.gbrec');
    const { child, wsUrl } = await startCli(['serve', '--port', '0', '--core', 'gambatte', '--speed', 'max', '--fps', '20', '--policy', 'random', '--record', rec]);
    const client = new TestClient(wsUrl);
    try {
      const hello = await client.waitFor((m) => m.type === 'hello', 15_000);
      expect(hello['core']).toBe('gambatte');
      const frame = await client.waitFor((m) => m.type === 'frame' && (m['frame'] as number) > 600, 15_000);
      expect((frame['state'] as Record<string, number>)['frame']).toBeGreaterThan(0);
      const stats = await client.waitFor((m) => m.type === 'stats' && (m['emuFps'] as number) > 0, 15_000);
      expect(stats['core']).toBe('gambatte');
      const health = (await (await fetch(wsUrl.replace(/^ws/, 'http').replace(/ws$/, 'api/health'))).json()) as Record<string, unknown>;
      expect(health['core']).toBe('gambatte');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    const inspect = await runCli(['inspect', rec, '--json']);
    expect(inspect.code).toBe(0);
    const report = JSON.parse(inspect.stdout) as { core: string; frames: number };
    expect(report.core).toBe('gambatte');
    expect(report.frames).toBeGreaterThan(5);
    // And it replays like any recording, still naming its core.
    const replay = await startCli(['replay', rec, '--port', '0']);
    const viewer = new TestClient(replay.wsUrl);
    try {
      expect((await viewer.waitFor((m) => m.type === 'hello', 15_000))['core']).toBe('gambatte');
      await viewer.waitFor((m) => m.type === 'frame', 15_000);
    } finally {
      replay.child.kill('SIGTERM');
    }
  }, 40_000);

  it.skipIf(!hasGambatte)('many envs loading gambatte at once on worker threads leave stdout where it was', async () => {
    // Loading gambatte prints to stdout; the frontend redirects fds 1/2 around each load. Threads
    // loading at once must not leave stdout pointing at a temp file: the URL line must come out.
    const { child, wsUrl, output } = await startCli(['serve', '--port', '0', '--core', 'gambatte', '--envs', '8']);
    try {
      expect(wsUrl).toMatch(/^ws:\/\//);
      expect(output()).not.toMatch(/Plain ROM loaded/); // the core's chatter stayed out of stdout
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('a core file that is not a libretro core is one line and exit 1', async () => {
    const bad = join(dir, 'broken_libretro.so');
    writeFileSync(bad, 'not a shared library');
    expectCleanFailure(await runCli(['serve', '--port', '0', '--core', bad]), /core|libretro/);
  });

  it('a core that is not installed is one line naming it', async () => {
    expectCleanFailure(await runCli(['serve', '--port', '0', '--core', 'nosuchcore']), /"nosuchcore" not found/);
  });

  it.skipIf(!hasGambatte)('a ROM the core refuses is one line and exit 1', async () => {
    const rom = join(dir, 'garbage.gb');
    writeFileSync(rom, Buffer.alloc(32768, 0x5a));
    expectCleanFailure(await runCli(['serve', rom, '--port', '0', '--force', '--core', 'gambatte']), /refused the ROM/);
  });
});
