/**
 * Cluster nodes as real `gbstream` processes (dist/cli/main.js) on a real nats-server that wants
 * a token: a token from a --cluster-creds file joins, a wrong credential is one line and exit 1; a node killed with -9 is gone from the
 * others' env tables within 5 s, and their own viewers keep their frame rate meanwhile.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { runCli, startCli } from './helpers/cli.js';
import { natsMissing, NatsServer } from './helpers/nats-server.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

const NATS_TOKEN = 'nats-secret-token';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Health = { cluster: { nodes: Array<{ node: string; envs: number }> } };
const nodesOf = async (s: Serving) => ((await (await fetch(`${s.server.url}api/health`)).json()) as Health).cluster.nodes.map((n) => n.node);

describe.skipIf(natsMissing !== undefined)('gbstream serve --cluster (processes)', () => {
  let nats: NatsServer;
  let b: Serving;

  beforeAll(async () => {
    nats = await NatsServer.start({ token: NATS_TOKEN });
    b = await serve(testServeOptions({ cluster: { url: nats.url, node: 'B', token: NATS_TOKEN } }));
  });
  afterAll(async () => {
    await b?.stop();
    await nats?.stop();
  });

  it('refuses a wrong NATS credential in one line and exits 1', async () => {
    const inUrl = await runCli(['serve', '--port', '0', '--core', 'serverboy', '--cluster', `nats://wrong-token@127.0.0.1:${nats.port}`]);
    expect(inUrl.code).toBe(1);
    expect(inUrl.stderr.trim().split('\n')).toHaveLength(1);
    expect(inUrl.stderr).toMatch(/^gbstream: cannot join the cluster at nats:\/\/127\.0\.0\.1:\d+: the NATS server refused the credential/);
    expect(inUrl.stderr).not.toContain('wrong-token');
    const inEnv = await runCli(['hub', '--port', '0', '--control', 'open', '--cluster', nats.url], 15_000, { ...process.env, GBSTREAM_NATS_TOKEN: 'also-wrong' });
    expect(inEnv.code).toBe(1);
    expect(inEnv.stderr.trim().split('\n')).toHaveLength(1);
    expect(inEnv.stderr).toContain('refused the credential');
  });

  it('joins with a token from a --cluster-creds file', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'gbs-creds-')), 'nats.token');
    await writeFile(file, `${NATS_TOKEN}\n`);
    const { child } = await startCli(['hub', '--port', '0', '--control', 'open', '--node', 'F', '--cluster', nats.url, '--cluster-creds', file]);
    try {
      for (let i = 0; !(await nodesOf(b)).includes('F'); i++) {
        if (i > 50) throw new Error('node F never showed on B');
        await sleep(100);
      }
    } finally {
      child.kill('SIGKILL');
    }
    await writeFile(file, 'not-the-token\n');
    const wrong = await runCli(['hub', '--port', '0', '--control', 'open', '--cluster', nats.url, '--cluster-creds', file]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('refused the credential');
  });

  it('names a bad --cluster URL in one line', async () => {
    const r = await runCli(['hub', '--port', '0', '--control', 'open', '--cluster', 'http://127.0.0.1:4222']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('gbstream: Expected `cluster` to be nats://HOST:PORT (or tls://), scheme must be nats:// or tls://, got `http://`: `http://127.0.0.1:4222`.');
  });

  it('forgets a node killed with -9 within 5 s, and its own viewers keep their fps', async () => {
    const env = { ...process.env, GBSTREAM_NATS_TOKEN: NATS_TOKEN, GBSTREAM_CLUSTER: nats.url };
    const { child } = await startCli(['serve', '--port', '0', '--core', 'serverboy', '--node', 'K'], 15_000, env);
    try {
      for (let i = 0; !(await nodesOf(b)).includes('K'); i++) {
        if (i > 50) throw new Error('node K never showed on B');
        await sleep(100);
      }
      const viewer = new TestClient(b.server.url.replace(/^http/, 'ws') + 'ws');
      await viewer.opened();
      viewer.send({ type: 'subscribe', id: 1, envs: [0], fps: 10 });
      await viewer.waitFor((m) => m.type === 'frame' && m['env'] === 0);
      const killedAt = Date.now();
      const from = viewer.messages.length;
      child.kill('SIGKILL');
      while ((await nodesOf(b)).includes('K')) {
        if (Date.now() - killedAt > 5000) throw new Error('node K still listed 5 s after kill -9');
        await sleep(100);
      }
      const goneAfter = Date.now() - killedAt;
      const frames = viewer.messages.slice(from).filter((m) => m.type === 'frame' && m['env'] === 0).length;
      const fps = frames / (goneAfter / 1000);
      expect(goneAfter).toBeLessThan(5000);
      expect(fps).toBeGreaterThan(7);
      viewer.ws.close();
    } finally {
      child.kill('SIGKILL');
    }
  });
});

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe.skipIf(natsMissing !== undefined || !hasOpenssl)('gbstream hub --cluster tls://', () => {
  it('joins a nats-server that requires TLS when its CA is trusted, and says why not in one line when not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbs-tls-'));
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1']);
    expect(made.status).toBe(0);
    const nats = await NatsServer.start({ tls: { cert, key } });
    try {
      const url = `tls://127.0.0.1:${nats.port}`;
      const untrusted = await runCli(['hub', '--port', '0', '--control', 'open', '--cluster', url]);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr.trim()).toBe(`gbstream: cannot join the cluster at ${url}: self-signed certificate`);
      const { child, output } = await startCli(['hub', '--port', '0', '--control', 'open', '--log-format', 'json', '--cluster', url], 15_000, { ...process.env, NODE_EXTRA_CA_CERTS: cert });
      child.kill('SIGKILL');
      expect(output()).toContain('joined the cluster');
    } finally {
      await nats.stop();
    }
  });
});
