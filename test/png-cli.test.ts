/** `gbstream serve --format` on the command line: png streams PNG; bad values exit 1 with a clear message. */
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from './helpers/cli.js';
import { TestClient } from './helpers/ws-client.js';

describe('gbstream serve --format', () => {
  it('--format png streams PNG frames and says so in hello', async () => {
    const { child, wsUrl } = await startCli(['serve', '--port', '0', '--format', 'png']);
    const client = new TestClient(wsUrl);
    try {
      expect((await client.waitFor((m) => m.type === 'hello', 15_000))['format']).toBe('png');
      expect((await client.waitFor((m) => m.type === 'frame', 15_000))['format']).toBe('png');
    } finally {
      client.ws.close();
      child.kill('SIGTERM');
    }
  });

  it.each([
    [['--format', 'gif'], /argument 'gif' is invalid.*jpeg, png/],
    [['--format', 'png', '--encoder', 'sharp'], /--encoder "sharp" writes JPEG only; with --format png use auto, native or js/],
    [['--encoder', 'js'], /--encoder "js" writes PNG only/],
  ])('refuses %j with a clear message and exit 1', async (flags, message) => {
    const result = await runCli(['serve', '--port', '0', ...flags]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  });
});
