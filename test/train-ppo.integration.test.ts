/**
 * examples/python/train_ppo.py (issue 28) as a real process against a real server running the
 * demo ROM: two PPO updates change the policy's parameters, a viewer connected over ws receives
 * the training numbers, and the script exits 0 with its eval line last. Needs Debian's
 * python3-torch besides python3-numpy, -websockets and -msgpack; skipped (with the reason) without.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

const PYTHON = process.env['GBSTREAM_PYTHON'] ?? '/usr/bin/python3';
const TOKEN = 'ppo-token-1234';
const SCRIPT = 'examples/python/train_ppo.py';
const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy, websockets, msgpack'], { encoding: 'utf8' });
const missing = probe.status === 0 ? undefined : (probe.error?.message ?? probe.stderr.trim().split('\n').pop());
const skipped = missing ? ` — skipped: ${missing}` : '';

let serving: Serving;
let wsUrl: string;
let dir: string;

beforeAll(async () => {
  if (missing) return;
  serving = await serve(testServeOptions({ envs: 2, control: { mode: 'token', token: TOKEN } }));
  wsUrl = serving.server.url.replace(/^http/, 'ws') + 'ws';
  dir = mkdtempSync(join(tmpdir(), 'gbstream-ppo-'));
});

afterAll(async () => {
  await serving?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function python(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; out: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, args, { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, PYTHONDONTWRITEBYTECODE: '1' } });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => ((out += d.toString()), (stdout += d.toString())));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out, stdout }));
  });
}

describe('examples/python/train_ppo.py', () => {
  it.skipIf(missing !== undefined)(`trains 2 PPO updates through a VectorEnv: parameters change, a viewer sees the returns, exit 0${skipped}`, async () => {
    const viewer = new TestClient(wsUrl);
    await viewer.opened();
    await viewer.waitFor((m) => m.type === 'hello');
    const policy = join(dir, 'policy.pt');
    // 2 envs × 16 steps per rollout, 32 steps in all: 2 updates; 6-step episodes finish in each.
    // The token comes from the environment, as the script documents.
    const { code, out, stdout } = await python(
      [SCRIPT, '--url', wsUrl, '--envs', '2', '--num-steps', '16', '--total-steps', '64', '--max-steps', '6', '--frames', '4',
        '--minibatches', '2', '--epochs', '2', '--lr', '0.01', '--seed', '3', '--save', policy, '--eval', '3'],
      { ...process.env, GBSTREAM_CONTROL_TOKEN: TOKEN },
    );
    expect(code, out).toBe(0);
    expect(stdout).toMatch(/^update 1\/2 step 32 at \d+ s: /m);
    expect(stdout).toMatch(/^update 2\/2 step 64 at \d+ s: \d+ steps\/s, env \d+%, return [\d.]+ over \d+ episodes; policy loss /m);
    expect(stdout).toMatch(/env steps took \d+% of the wall time/);
    const moved = /parameters: moved ([\d.]+) \(L2\)/.exec(stdout);
    expect(Number(moved?.[1])).toBeGreaterThan(0);
    expect(stdout.trimEnd().split('\n').pop()).toMatch(/^eval: random mean return \d+\.\d\d, trained mean return \d+\.\d\d$/);

    // The viewer (no token: view only) got both updates' numbers, returns included.
    const last = await viewer.waitFor((m) => m.type === 'progress' && (m['values'] as Record<string, number>)['step'] === 64, 15_000);
    const values = last['values'] as Record<string, number>;
    expect(values).toMatchObject({ step: 64, total_steps: 64, episode_length: 6 });
    for (const key of ['episodic_return', 'steps_per_s', 'policy_loss', 'value_loss', 'entropy', 'env_share']) {
      expect(Number.isFinite(values[key]), key).toBe(true);
    }
    expect(values['steps_per_s']).toBeGreaterThan(0);
    viewer.ws.close();

    // Independently of the script's own report: the saved policy differs from the initial one
    // for its seed, in every layer's weights.
    const check = await python(['-c', [
      'import sys, torch',
      "sys.path.insert(0, 'examples/python')",
      'import train_ppo',
      `saved = torch.load(${JSON.stringify(policy)})`,
      "initial = train_ppo.make_agent(saved['obs'], tuple(saved['obs_shape']), saved['seed']).state_dict()",
      "assert sorted(initial) == sorted(saved['state_dict']), 'layers differ'",
      "print('unchanged', sum(torch.equal(initial[k], saved['state_dict'][k]) for k in initial if k.endswith('weight')))",
      "print('obs', saved['obs'], 'seed', saved['seed'])",
    ].join('\n')]);
    expect(check.code, check.out).toBe(0);
    expect(check.stdout).toContain('unchanged 0\nobs state seed 3');
  }, 180_000);

  it.skipIf(missing !== undefined)(`trains on pixels too (gray screens, frame stack, CNN)${skipped}`, async () => {
    const { code, out, stdout } = await python([SCRIPT, '--url', wsUrl, '--token', TOKEN, '--obs', 'pixels', '--envs', '2', '--num-steps', '8',
      '--total-steps', '16', '--max-steps', '4', '--minibatches', '2', '--epochs', '1', '--eval', '1']);
    expect(code, out).toBe(0);
    expect(stdout).toContain('--obs pixels (2, 64, 80)');
    expect(stdout).toMatch(/^update 1\/1 step 16 at \d+ s: .*return [\d.]+ over 2 episodes/m);
    expect(Number(/parameters: moved ([\d.]+) \(L2\)/.exec(stdout)?.[1])).toBeGreaterThan(0);
    expect(stdout.trimEnd().split('\n').pop()).toMatch(/^eval: random mean return \d+\.\d\d, trained mean return \d+\.\d\d$/);
  }, 120_000);

  it.skipIf(missing !== undefined)(`refuses bad options and a missing token with a clear line, and the episode-marking hook calls VectorEnv.mark_episode when there is one${skipped}`, async () => {
    const bad = await python([SCRIPT, '--envs', '0']);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('--envs must be at least 1, got 0');
    expect(bad.out).not.toContain('Traceback');

    const { GBSTREAM_CONTROL_TOKEN: _, ...noToken } = process.env;
    const denied = await python([SCRIPT, '--url', wsUrl, '--envs', '2'], noToken);
    expect(denied.code).toBe(2);
    expect(denied.out).toContain('train_ppo.py: GBS_ERR_CONTROL_DENIED');
    expect(denied.out).not.toContain('Traceback');

    const hook = await python(['-c', [
      'import sys',
      "sys.path.insert(0, 'examples/python')",
      'import train_ppo',
      'class Marking:',
      '    def __init__(self): self.marks = []',
      '    def mark_episode(self, index, score): self.marks.append((index, score))',
      'env = Marking()',
      'train_ppo.mark_episode(env, 1, 7.0)',
      'train_ppo.mark_episode(object(), 0, 1.0)  # a client without it: nothing happens',
      'print(env.marks)',
    ].join('\n')]);
    expect(hook.code, hook.out).toBe(0);
    expect(hook.stdout.trim()).toBe('[(1, 7.0)]');
  }, 60_000);
});
