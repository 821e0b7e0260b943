/** Runs test/fixtures/stream_wrapper_client.py: a real python3 sending what a StreamWrapper sends. */
import { spawn } from 'node:child_process';

export const PYTHON = process.env['GBSTREAM_PYTHON'] ?? '/usr/bin/python3';
const SCRIPT = new URL('../fixtures/stream_wrapper_client.py', import.meta.url).pathname;

export interface WrapperSpec {
  url: string;
  messages: unknown[];
  binary?: boolean;
  wait_close?: number;
}

export interface WrapperResult {
  connected: boolean;
  status: number | null;
  sent: number;
  close_code: number | null;
  close_reason: string | null;
}

export function runWrapper(spec: WrapperSpec, timeoutMs = 15_000): Promise<WrapperResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`python client timed out; stderr: ${err}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`python client exited ${code}: ${err}`));
      resolve(JSON.parse(out) as WrapperResult);
    });
    child.stdin.end(JSON.stringify(spec));
  });
}
