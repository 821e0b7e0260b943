/**
 * Console output (issue 27 item 4): one human line per log entry on a terminal, JSON lines with
 * `--log-format json` or when stderr is not a terminal. The terminal is a real pseudo-terminal
 * (util-linux `script`), since the choice is made by asking whether fd 2 is one.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, startCli } from './helpers/cli.js';

const env = { ...process.env };
delete env['GBSTREAM_LOG_FORMAT'];

/** Runs a shell command under a pseudo-terminal until `until` shows in its output (or it exits). */
function onTerminal(command: string, until: RegExp): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const stop = () => {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    };
    const timer = setTimeout(() => {
      stop();
      fail(new Error(`no ${until} within 20 s: ${out}`));
    }, 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (until.test(out)) stop();
    });
    child.on('close', () => {
      clearTimeout(timer);
      done(out.replace(/\r/g, ''));
    });
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
const URL_LINE = /WebSocket ws:\/\/\S+/;
// pino-pretty's one-line form: "[HH:MM:ss] INFO: message {fields}", colours stripped.
const plain = (line: string) => line.replace(/\x1b\[[0-9;]*m/g, '');

describe('log format', () => {
  it('prints one human line per entry on a terminal, with the env pool of worker threads', async () => {
    const out = await onTerminal(`${process.execPath} ${CLI} serve --port 0 --envs 2`, URL_LINE);
    const logLines = lines(out).filter((l) => !URL_LINE.test(l)).map(plain);
    expect(logLines.length).toBeGreaterThanOrEqual(2);
    for (const line of logLines) expect(line).toMatch(/^\[\d\d:\d\d:\d\d\] (INFO|WARN|ERROR): /);
    expect(logLines.some((l) => /INFO: streaming \{"rom":"GBSTREAM DEMO"/.test(l))).toBe(true);
  }, 30_000);

  it('prints JSON lines on a terminal when asked with --log-format json', async () => {
    const out = await onTerminal(`${process.execPath} ${CLI} serve --port 0 --log-format json`, URL_LINE);
    const logLines = lines(out).filter((l) => !URL_LINE.test(l));
    expect(logLines.length).toBeGreaterThanOrEqual(1);
    for (const line of logLines) expect(JSON.parse(line)).toHaveProperty('msg');
  }, 30_000);

  it('prints JSON lines when stderr is not a terminal', async () => {
    const { child, output } = await startCli(['serve', '--port', '0'], 15_000, env);
    child.kill('SIGTERM');
    const logLines = lines(output()).filter((l) => !URL_LINE.test(l));
    expect(logLines.length).toBeGreaterThanOrEqual(1);
    for (const line of logLines) expect(JSON.parse(line)).toHaveProperty('msg');
  });

  it('logs human lines from a worker thread on a terminal (its process.stderr is a pipe, fd 2 is not)', async () => {
    const log = resolve('dist/log.js');
    const worker = `import('${log}').then(({ createLogger }) => createLogger().info({ env: 3 }, 'from a worker'))`;
    const main = `new (require('node:worker_threads').Worker)(${JSON.stringify(worker)}, { eval: true })`;
    const out = await onTerminal(`${process.execPath} -e ${JSON.stringify(main)}`, /from a worker.*\n/);
    expect(plain(out)).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: from a worker \{"env":3\}$/m);
  }, 30_000);

  it('refuses an unknown format with the allowed ones', async () => {
    const { code, stderr } = await runCli(['serve', '--log-format', 'xml'], 15_000, env);
    expect(code).toBe(1);
    expect(stderr).toContain("argument 'xml' is invalid. Allowed choices are pretty, json");
  });
});
