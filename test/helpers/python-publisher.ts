/** A real Python publisher process (test/fixtures/publisher.py on Debian's python3) and its output lines. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export const PYTHON = '/usr/bin/python3';
export const TOKEN = 'hub-test-token';
export const hasPython = existsSync(PYTHON);

export class PythonPublisher {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly lines: Array<Record<string, unknown>> = [];
  #waiters: Array<() => void> = [];
  stderr = '';

  constructor(url: string, envs: number, prefix: string, o: { token?: string; pause?: number } = {}) {
    this.proc = spawn(PYTHON, ['test/fixtures/publisher.py', url, o.token ?? TOKEN, String(envs), prefix, String(o.pause ?? 0.01)]);
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  waitFor(match: (l: Record<string, unknown>) => boolean, ms = 8000, from = 0): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`publisher: timed out; lines ${JSON.stringify(this.lines)} stderr ${this.stderr}`)), ms);
      const check = () => {
        const hit = this.lines.slice(from).find(match);
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else this.#waiters.push(check);
      };
      check();
    });
  }

  async ready(): Promise<number[]> {
    return (await this.waitFor((l) => 'ready' in l))['ready'] as number[];
  }

  /** The latest `wants` line (undefined before the first). */
  lastWants(): boolean[] | undefined {
    return [...this.lines].reverse().find((l) => 'wants' in l)?.['wants'] as boolean[] | undefined;
  }

  /** Resolves when the latest `wants` line equals `wants`. */
  wants(wants: boolean[], ms = 8000): Promise<unknown> {
    const same = (l: Record<string, unknown>) => JSON.stringify(l['wants']) === JSON.stringify(wants);
    const last = () => [...this.lines].reverse().find((l) => 'wants' in l);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wants never became ${JSON.stringify(wants)}; last ${JSON.stringify(last())}`)), ms);
      const check = () => {
        const l = last();
        if (l && same(l)) {
          clearTimeout(timer);
          resolve(l);
        } else this.#waiters.push(check);
      };
      check();
    });
  }

  stop(): Promise<number | null> {
    this.proc.stdin.end();
    return new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
  }
}
