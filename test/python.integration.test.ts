/**
 * The Python package's own tests (python/tests, pytest) against a real server they start:
 * VectorEnv shapes, determinism, ownership, coded errors, a client killed mid-step.
 * Needs Debian's python3-pytest, -numpy, -websockets and -msgpack; skipped (with the reason) without.
 */
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/paths.js';

const PYTHON = process.env['GBSTREAM_PYTHON'] ?? '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import pytest, numpy, websockets, msgpack'], { encoding: 'utf8' });
const missing = probe.status === 0 ? undefined : (probe.error?.message ?? probe.stderr.trim().split('\n').pop());

describe('python/tests (pytest)', () => {
  it.skipIf(missing !== undefined)(`passes${missing ? ` — skipped: ${missing}` : ''}`, async () => {
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(PYTHON, ['-m', 'pytest', 'python/tests', '-q', '-p', 'no:cacheprovider'], {
        cwd: PACKAGE_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        // The tests start `node dist/cli/main.js serve` with this very node; no .pyc files in the clone.
        env: { ...process.env, GBSTREAM_NODE: process.execPath, PYTHONDONTWRITEBYTECODE: '1' },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (c) => resolve({ code: c, out }));
    });
    expect(code, out).toBe(0);
    expect(out).toMatch(/\d+ passed/);
  }, 300_000);
});
