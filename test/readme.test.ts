/**
 * The README is a front page that tells the truth (issues 12 and 27): at most 250 lines, the two
 * commands, the five workflows, links that resolve, one spelling of the Python interpreter, and
 * every command in it runs as written against the server shown with it (test/helpers/doc-commands.ts
 * says how), with the PATH the test was started with.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokenLinks, docBlocks, docsEnv, pythonOnPath, ROOT, runBlocks, scratchCheckout } from './helpers/doc-commands.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const { blocks, problems } = docBlocks(readme);

describe('README front page (issue 27)', () => {
  it('stays a front page: at most 250 lines, the quick start and the test command', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(250 + 1);
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });

  it('shows the five workflows in order, each with a command that is run', () => {
    const headings = [...readme.matchAll(/^## (\d)\. (.+)$/gm)].map((m) => `${m[1]}. ${m[2]}`);
    expect(headings).toEqual(['1. Watch a ROM', '2. Train from Python', '3. Watch training that runs elsewhere', '4. The map', '5. Record, inspect, replay, export']);
    for (const [k, heading] of headings.entries()) {
      const start = readme.indexOf(`## ${heading}`);
      const end = k + 1 < headings.length ? readme.indexOf(`## ${headings[k + 1]}`) : readme.indexOf('\n## ', start + 1);
      expect(docBlocks(readme.slice(start, end)).blocks.filter((b) => b.role !== 'skip').length, heading).toBeGreaterThanOrEqual(2);
    }
  });

  it('links only to files and headings that exist, and to every docs/ page', () => {
    expect(brokenLinks(join(ROOT, 'README.md'), readme)).toEqual([]);
    for (const page of ['serve', 'protocol', 'security', 'python', 'hub', 'cores', 'recording', 'performance']) expect(readme).toContain(`](docs/${page}.md)`);
  });

  it('every command block is marked, and spells things one way (python3, curl -s)', () => {
    expect(problems).toEqual([]);
    expect(readme).not.toContain('/usr/bin/python3');
    for (const b of blocks) for (const curl of b.script.match(/\bcurl\b[^\n]*/g) ?? []) expect(curl).toMatch(/^curl -s/);
  });

  it('finds a python3 on PATH that has the dependencies, or one that says exactly how to get them', () => {
    const found = pythonOnPath(process.env['PATH'] ?? '');
    expect(found.path, 'no python3 on PATH').not.toBeNull();
    if (found.ready) return;
    // What a reader who skipped "What you need" sees: one line naming both ways, no traceback.
    const run = spawnSync('python3', ['examples/python/agent.py', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).not.toContain('Traceback');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`this Python (`);
    expect(run.stderr).toContain('`sudo apt install python3-websockets python3-msgpack python3-numpy`');
    expect(run.stderr).toContain('`pip install ./python`');
    for (const step of ['python3-websockets python3-msgpack python3-numpy', 'pip install ./python']) expect(readme).toContain(step);
  });

  it('runs every command as written, against the server shown with it', async () => {
    const { env, note } = docsEnv();
    if (note) console.warn(`README: ${note}`);
    expect(await runBlocks(blocks, { env, cwd: scratchCheckout() })).toEqual([]);
  }, 300_000);

  it('has a harness that can fail: an unmarked block, a failing command, a server that never starts', async () => {
    const page = [
      '```sh', 'echo unmarked', '```',
      '<!-- readme-test: skip -->', '```sh', 'echo no reason', '```',
      '<!-- readme-test: client -->', '```sh', 'test "$(echo 127.0.0.1:8080)" = 127.0.0.1:8080', '```',
      '<!-- readme-test: server -->', '```sh', 'node dist/cli/main.js serve --port 8080 --fps 0', '```',
      '<!-- readme-test: server -->', '```sh', 'npm start', '```',
      '<!-- readme-test: client -->', '```sh', 'curl -sf http://127.0.0.1:8080/api/health', '```',
      '<!-- readme-test: python -->', '```python', 'raise SystemExit(3)', '```',
    ].join('\n');
    const { blocks: found, problems: bad } = docBlocks(page);
    expect(bad).toEqual(['line 1: a ```sh block without a "<!-- readme-test: … -->" line right above it', 'line 5: "skip" needs a reason in parentheses']);
    const failures = await runBlocks(found, { env: docsEnv().env, cwd: scratchCheckout() });
    // Ports are rewritten from a server block on: the first client still sees 8080 and passes; the
    // curl reaches `npm start` on its free port. The server with a bad --fps and the python fail.
    expect(failures.map((f) => f.split('\n')[0])).toEqual([expect.stringMatching(/^line 13: server block exited with 1: /), 'line 25 (python) exited with 3:']);
  }, 120_000);
});
