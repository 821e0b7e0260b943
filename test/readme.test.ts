/**
 * The README's commands run as written (issue 12 item 18). Every ```sh block after a
 * `<!-- readme-test: server -->` or `<!-- readme-test: client -->` marker is extracted and run
 * with bash: server blocks in the background (until they print their URL), then client blocks
 * in order, each of which must exit 0. The only change made to the text: port 8080 becomes a free
 * port (other tests and servers share this machine), passed to `npm start` as `--port`. `python3`
 * is Debian's (/usr/bin first on PATH), as the README says.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';

interface Block {
  role: 'server' | 'client';
  script: string;
}

/** The marked ```sh blocks of a Markdown text, in order. */
export function markedBlocks(markdown: string): Block[] {
  const out: Block[] = [];
  const re = /<!-- readme-test: (server|client) -->\s*\n```sh\n([\s\S]*?)\n```/g;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) out.push({ role: m[1] as Block['role'], script: m[2]! });
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const env = { ...process.env, PATH: `/usr/bin:${process.env['PATH'] ?? ''}` };
const servers: ChildProcess[] = [];

afterAll(() => {
  // Each server runs in its own process group (detached): end the group, npm and node together.
  for (const child of servers) if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
});

function startServer(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] });
    servers.push(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no URL within 30 s from: ${script}\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/WebSocket ws:\/\/\S+/.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server block exited with ${code}: ${script}\n${out}`));
    });
  });
}

function runClient(script: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('README commands (issue 12 item 18)', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const blocks = markedBlocks(readme);

  it('finds the marked blocks', () => {
    expect(blocks.filter((b) => b.role === 'server').length).toBeGreaterThanOrEqual(1);
    expect(blocks.filter((b) => b.role === 'client').length).toBeGreaterThanOrEqual(2);
  });

  it('every marked command runs as written against a real server', async () => {
    const port = await freePort();
    const onPort = (text: string) => text.replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`).replace(/npm start --(?![^\n]*--port)/g, `npm start -- --port ${port}`);
    for (const block of blocks) {
      if (block.role === 'server') {
        await startServer(onPort(block.script));
        continue;
      }
      const { code, out } = await runClient(onPort(block.script));
      expect(code, `${block.script}\n---\n${out}`).toBe(0);
    }
  }, 120_000);
});
