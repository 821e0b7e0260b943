/**
 * Runs the commands of a Markdown page as written (README.md and docs/*.md; issues 12 and 27).
 *
 * Every ```sh, ```bash, ```python and ```js block carries a marker comment right above it:
 *   `<!-- readme-test: server -->`  a server command, started in the background until it prints its
 *                                   URL; it replaces a server started earlier on the same port, as
 *                                   a user stops one with Ctrl-C before starting the next;
 *   `<!-- readme-test: client -->`  bash commands that must exit 0 (`set -euo pipefail`);
 *   `<!-- readme-test: python -->`  a snippet run by `python3` with the checkout's python/ on
 *                                   PYTHONPATH (what the docs tell a reader of a checkout to do);
 *   `<!-- readme-test: node -->`    an ES module run by `node`;
 *   `<!-- readme-test: skip (why) -->` not run, and the reason says why (a benchmark, root, …).
 * `client after N s` first waits N seconds, as a reader watches a recording grow before reading it.
 *
 * The only changes made to the text are ports: each port a server block uses (8080 unless it says
 * `--port N`) becomes a free one, in that block and in every later block, since other tests and
 * servers share the machine; so does NATS's 4222 (`nats-server -p 4222`, `nats://127.0.0.1:4222`),
 * one free port for the whole page. The blocks run in a scratch folder whose entries link to the checkout,
 * so files they write (recordings, exports) land there, not in the checkout.
 *
 * They run with the PATH the test was started with: no interpreter is put first. When the
 * `python3` found first lacks the Python package's dependencies, `pythonOnPath` says so and the
 * caller decides (see readme.test.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { freePort } from './free-port.js';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export type Role = 'server' | 'client' | 'python' | 'node' | 'skip';

export interface Block {
  role: Role;
  lang: string;
  script: string;
  /** `client after N s`: seconds to wait first. */
  afterSeconds: number;
  /** `skip (why)`: the reason. */
  reason: string;
  /** 1-based line of the opening fence. */
  line: number;
}

const RUNNABLE = new Set(['sh', 'bash', 'python', 'js']);
const MARKER = /^<!-- readme-test: (server|client|python|node|skip)(?: after (\d+(?:\.\d+)?) s)?(?: \((.+)\))? -->$/;

/** Every fenced block in a runnable language, with its marker; `problems` lists blocks without one. */
export function docBlocks(markdown: string): { blocks: Block[]; problems: string[] } {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const end = lines.findIndex((l, k) => k > i && /^```\s*$/.test(l));
    if (end < 0) {
      problems.push(`line ${i + 1}: a fence that never closes`);
      break;
    }
    const lang = fence[1]!;
    if (RUNNABLE.has(lang)) {
      const marker = MARKER.exec(lines[i - 1] ?? '');
      if (!marker) problems.push(`line ${i + 1}: a \`\`\`${lang} block without a "<!-- readme-test: … -->" line right above it`);
      else {
        const role = marker[1] as Role;
        if (role === 'skip' && !marker[3]) problems.push(`line ${i + 1}: "skip" needs a reason in parentheses`);
        blocks.push({ role, lang, script: lines.slice(i + 1, end).join('\n'), afterSeconds: Number(marker[2] ?? 0), reason: marker[3] ?? '', line: i + 1 });
      }
    }
    i = end;
  }
  return { blocks, problems };
}

/** A scratch folder whose entries are links to the checkout's (all but .git). */
export function scratchCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gbs-docs-'));
  for (const name of readdirSync(ROOT)) if (name !== '.git') symlinkSync(join(ROOT, name), join(dir, name));
  return dir;
}

export interface PythonOnPath {
  /** The `python3` bash finds first, or null when there is none. */
  path: string | null;
  /** Whether it imports websockets, msgpack and numpy. */
  ready: boolean;
  /** Every `python3` on PATH that does, in PATH order. */
  readyOnes: string[];
}

function importsDeps(python: string): boolean {
  return spawnSync(python, ['-c', 'import websockets, msgpack, numpy'], { stdio: 'ignore' }).status === 0;
}

/** Which `python3` the docs' commands get with this PATH, and whether it has what gbstream needs. */
export function pythonOnPath(pathVar: string): PythonOnPath {
  const all = pathVar.split(delimiter).filter(Boolean).map((d) => join(d, 'python3')).filter((p) => existsSync(p));
  const readyOnes = all.filter(importsDeps);
  return { path: all[0] ?? null, ready: all.length > 0 && readyOnes[0] === all[0], readyOnes };
}

export interface RunOptions {
  /** The environment the blocks run in (PATH as the user has it). */
  env: NodeJS.ProcessEnv;
  /** The folder they run in (see scratchCheckout). */
  cwd: string;
}

interface Running {
  child: ChildProcess;
  port: number;
}

function stop(server: Running): Promise<void> {
  return new Promise((done) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return done();
    server.child.once('exit', () => done());
    // Each server runs in its own process group (detached): end the group, npm and node together.
    process.kill(-server.child.pid!, 'SIGINT');
  });
}

/** The port a server command listens on as written: its `--port N`, else gbstream's default. */
function writtenPort(script: string): number {
  return Number(/--port (\d+)/.exec(script)?.[1] ?? 8080);
}

/** The server command on `port`: its `--port N` replaced, or `--port` added (after `--` for npm). */
function onFreePort(script: string, written: number, port: number): string {
  if (/--port \d+/.test(script)) return script.replace(`--port ${written}`, `--port ${port}`);
  if (/\bnpm start\b/.test(script)) return script.replace(/\bnpm start( --)?/, `npm start -- --port ${port}`);
  return `${script.trimEnd()} --port ${port}`;
}

function run(command: string, args: string[], input: string | null, o: RunOptions): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: o.cwd, env: o.env, stdio: [input === null ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    if (input !== null) child.stdin!.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, out });
    });
  });
}

function startServer(script: string, o: RunOptions): Promise<ChildProcess> {
  return new Promise((done, fail) => {
    const child = spawn('bash', ['-c', script], { cwd: o.cwd, detached: true, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      fail(new Error(`no URL within 45 s from: ${script}\n${out}`));
    }, 45_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/WebSocket ws:\/\/\S+/.test(out)) {
        clearTimeout(timer);
        done(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`server block exited with ${code}: ${script}\n${out}`));
    });
  });
}

/** Runs the blocks in order; resolves with a failure message per block that failed (empty: all ran). */
export async function runBlocks(blocks: readonly Block[], o: RunOptions): Promise<string[]> {
  const servers = new Map<number, Running>();
  const failures: string[] = [];
  const nats = blocks.some((b) => b.role !== 'skip' && /\b4222\b/.test(b.script)) ? await freePort() : 4222;
  const onPorts = (text: string) => {
    let out = text.replace(/\b4222\b/g, String(nats));
    for (const [written, s] of servers) out = out.replace(new RegExp(`(127\\.0\\.0\\.1|localhost):${written}\\b`, 'g'), `$1:${s.port}`);
    return out;
  };
  try {
    for (const block of blocks) {
      if (block.role === 'skip') continue;
      if (block.role === 'server') {
        const written = writtenPort(block.script);
        const earlier = servers.get(written);
        if (earlier) await stop(earlier);
        const port = await freePort();
        const script = onPorts(onFreePort(block.script, written, port));
        try {
          servers.set(written, { child: await startServer(script, o), port });
        } catch (err) {
          servers.delete(written);
          failures.push(`line ${block.line}: ${(err as Error).message}`);
        }
        continue;
      }
      if (block.afterSeconds > 0) await new Promise((r) => setTimeout(r, block.afterSeconds * 1000));
      const script = onPorts(block.script);
      const env = block.role === 'python' ? { ...o.env, PYTHONPATH: join(ROOT, 'python') } : o.env;
      const { code, out } =
        block.role === 'python' ? await run('python3', ['-'], script, { ...o, env })
        : block.role === 'node' ? await run(process.execPath, ['--input-type=module', '-'], script, o)
        : await run('bash', ['-c', `set -euo pipefail\n${script}`], null, o);
      if (code !== 0) failures.push(`line ${block.line} (${block.role}) exited with ${code}:\n${script}\n---\n${out}`);
    }
  } finally {
    await Promise.all([...servers.values()].map(stop));
  }
  return failures;
}

export interface DocsEnv {
  env: NodeJS.ProcessEnv;
  /** Set when python3 first on PATH lacks the dependencies and another one on PATH stands in. */
  note?: string;
}

/**
 * The environment the docs' commands run in: the user's own. When the `python3` first on PATH
 * lacks websockets/msgpack/numpy — a reader who has not done "What you need" yet — the caller has
 * already checked that it says so (docs.test.ts); the Python blocks then run with the first
 * `python3` further along PATH that has them, as that reader would after installing, and `note`
 * says which. With none on PATH, this fails with what the README asks for.
 */
export function docsEnv(): DocsEnv {
  const pathVar = process.env['PATH'] ?? '';
  const found = pythonOnPath(pathVar);
  if (found.ready) return { env: { ...process.env } };
  const ready = found.readyOnes[0];
  if (!ready) {
    throw new Error(`no python3 on PATH imports websockets, msgpack and numpy (first: ${found.path ?? 'none'}): do what the README's "What you need" says (Debian's python3-websockets python3-msgpack python3-numpy, or pip install ./python)`);
  }
  const bin = mkdtempSync(join(tmpdir(), 'gbs-python3-'));
  symlinkSync(ready, join(bin, 'python3'));
  return {
    env: { ...process.env, PATH: `${bin}${delimiter}${pathVar}` },
    note: `python3 first on PATH (${found.path}) lacks websockets/msgpack/numpy and says so; the Python blocks ran with ${ready}, the first python3 on PATH that has them`,
  };
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** Relative links of a Markdown file (`[t](path#anchor)`) whose file, or heading, does not exist. */
export function brokenLinks(file: string, markdown: string): string[] {
  const broken: string[] = [];
  const here = resolve(file, '..');
  for (const m of markdown.matchAll(/\]\(((?!https?:|mailto:)[^)\s#]*)(?:#([^)\s]*))?\)/g)) {
    const target = m[1] ? resolve(here, m[1]) : file;
    if (!existsSync(target)) {
      broken.push(m[0]);
      continue;
    }
    if (m[2] && target.endsWith('.md')) {
      const anchors = [...readFileSync(target, 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((h) => slug(h[1]!));
      if (!anchors.includes(m[2])) broken.push(m[0]);
    }
  }
  return broken;
}
