import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from './helpers/cli.js';
import { TestClient } from './helpers/ws-client.js';

/** One clear line on stderr, a non-zero exit, no stack trace. */
function expectCleanFailure(result: { code: number | null; stderr: string }, pattern: RegExp) {
  expect(result.code).not.toBe(0);
  expect(result.code).not.toBeNull();
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe('gbstream CLI', () => {
  it('prints help for the program and for serve', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('serve');
    const serve = await runCli(['serve', '--help']);
    expect(serve.code).toBe(0);
    for (const flag of ['--port', '--host', '--fps', '--quality', '--speed', '--map', '--policy', '--force']) expect(serve.stdout).toContain(flag);
  });

  it('bench --help names every suite npm run bench runs (png, libretro, … from bench/suites.json)', async () => {
    const suites = JSON.parse(await readFile(new URL('../bench/suites.json', import.meta.url), 'utf8')) as Array<{ name: string; prefixes: string[] }>;
    expect(suites.map((s) => s.name)).toEqual(expect.arrayContaining(['encode', 'png', 'record', 'emulator', 'libretro', 'fanout']));
    const help = await runCli(['bench', '--help']);
    expect(help.code).toBe(0);
    const text = help.stdout.replace(/\s+/g, ' ');
    for (const prefix of suites.flatMap((s) => s.prefixes)) expect(text).toContain(prefix);
  });

  it('runs a benchmark suite and writes machine-readable results', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbstream-bench-'));
    const file = join(dir, 'bench.json');
    const { code, stdout } = await runCli(['bench', '--filter', 'record', '--json', file], 120_000);
    expect(code).toBe(0);
    expect(stdout).toContain('record/encode-frame');
    const { machine, results } = JSON.parse(await readFile(file, 'utf8')) as { machine: { cpus: number }; results: Array<{ name: string; hz: number; rme: number; samples: number }> };
    expect(machine.cpus).toBeGreaterThan(0);
    expect(results.map((r) => r.name)).toEqual(['record/encode-frame', 'record/decode-frame', 'record/reader-10-records-in-4k-chunks']);
    for (const r of results) {
      expect(r.hz).toBeGreaterThan(0);
      expect(r.samples).toBeGreaterThan(0);
    }
  });

  it('prints its version', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [['--fps', '0'], /`fps`.*`0`/],
    [['--fps', '61'], /`61`/],
    [['--fps', 'fast'], /`fast`/],
    [['--quality', '101'], /`quality`.*`101`/],
    [['--port', '70000'], /`70000`/],
    [['--speed', '0'], /`speed`.*`0`/],
    [['--speed', 'warp'], /`warp`/],
    [['--policy', 'smart'], /`smart`/],
  ])('refuses serve %j quoting the value', async (args, pattern) => {
    expectCleanFailure(await runCli(['serve', ...args]), pattern);
  });

  it('refuses bad ROM paths and maps with one clear line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbstream-cli-'));
    await writeFile(join(dir, 'tiny.gb'), Buffer.alloc(1000));
    await writeFile(join(dir, 'map.json'), '{"name": "x", "fields": {"a": {"address": "0xD000", "type": "f32"}}}');
    expectCleanFailure(await runCli(['serve', join(dir, 'missing.gb'), '--port', '0']), /does not exist/);
    expectCleanFailure(await runCli(['serve', dir, '--port', '0']), /is a directory/);
    expectCleanFailure(await runCli(['serve', join(dir, 'tiny.gb'), '--port', '0']), /at least 32768 bytes/);
    expectCleanFailure(await runCli(['serve', '--map', join(dir, 'map.json'), '--port', '0']), /fields\.a\.type/);
    expectCleanFailure(await runCli(['serve', '--policy', `script:${join(dir, 'none.txt')}`, '--port', '0']), /does not exist/);
  });

  it('warns when listening on all interfaces without a control token', async () => {
    const { child, output } = await startCli(['serve', '--port', '0', '--host', '0.0.0.0']);
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    expect(output()).toMatch(/all interfaces without --control-token/);
  });

  it('refuses a port that is in use', async () => {
    const first = await startCli(['serve', '--port', '0']);
    const port = new URL(first.wsUrl).port;
    try {
      expectCleanFailure(await runCli(['serve', '--port', port]), new RegExp(`port ${port}.*in use`));
    } finally {
      first.child.kill('SIGTERM');
    }
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('on %s closes clients with 1001 and exits 0', async (signal) => {
    const { child, wsUrl } = await startCli(['serve', '--port', '0']);
    const client = new TestClient(wsUrl);
    await client.waitFor((m) => m.type === 'frame', 15_000);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill(signal);
    expect(await client.closed).toBe(1001);
    expect(await exited).toBe(0);
  });

  it('takes the control token from GBSTREAM_CONTROL_TOKEN (kept out of ps), and says so in --help (issue 12 item 12)', async () => {
    const help = await runCli(['serve', '--help']);
    expect(help.stdout).toContain('GBSTREAM_CONTROL_TOKEN');
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/\* for any, which also turns off the Host check/);
    const { child, wsUrl } = await startCli(['serve', '--port', '0'], 15_000, { ...process.env, GBSTREAM_CONTROL_TOKEN: 'from-the-environment' });
    try {
      const client = new TestClient(wsUrl);
      await client.opened();
      expect(await client.request({ type: 'auth', id: 1, token: 'from-the-environment' })).toMatchObject({ type: 'ack', of: 'auth' });
      client.ws.close();
    } finally {
      child.kill('SIGTERM');
    }
    expectCleanFailure(await runCli(['serve', '--port', '0'], 15_000, { ...process.env, GBSTREAM_CONTROL_TOKEN: 'short' }), /`control-token`.*8/);
  });
});
