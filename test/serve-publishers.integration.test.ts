/**
 * `serve` takes publishers too: their envs are numbered after its own emulators, appear in
 * hello and in the env-set event, stream to viewers beside the local ones, and refuse input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { ErrorCode, EventCode } from '../src/protocol/constants.js';
import type { EnvInfo } from '../src/protocol/messages.js';
import { hasPython, PythonPublisher, TOKEN } from './helpers/python-publisher.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

describe.skipIf(!hasPython)('serve with publishers', () => {
  let serving: Serving;
  let wsUrl: string;
  let pub: PythonPublisher | undefined;

  beforeAll(async () => {
    serving = await serve(testServeOptions({ envs: 2, policy: { kind: 'random' }, control: { mode: 'token', token: TOKEN } }));
    wsUrl = serving.server.url.replace(/^http/, 'ws') + 'ws';
  });
  afterAll(async () => {
    pub?.proc.kill('SIGKILL');
    await serving?.stop();
  });

  it('numbers published envs after the local ones and streams both; published envs take no input', async () => {
    const early = new TestClient(wsUrl);
    const before = await early.waitFor((m) => m.type === 'hello');
    expect(before['envs']).toBe(2);
    expect(before['envList']).toBeUndefined(); // a plain serve run says what it always said
    pub = new PythonPublisher(wsUrl, 2, 'trainer');
    expect(await pub.ready()).toEqual([2, 3]);
    const changed = await early.waitFor((m) => m.type === 'event' && m['code'] === EventCode.EnvsChanged);
    expect((changed['envs'] as EnvInfo[]).map((e) => [e.env, e.label, e.source])).toEqual([
      [0, 'env 0', 'local'],
      [1, 'env 1', 'local'],
      [2, 'trainer/0', 'published'],
      [3, 'trainer/1', 'published'],
    ]);
    const viewer = new TestClient(wsUrl);
    const hello = await viewer.waitFor((m) => m.type === 'hello');
    expect(hello['envs']).toBe(4);
    for (const env of [0, 1, 2, 3]) await viewer.waitFor((m) => m.type === 'frame' && m['env'] === env, 15_000);
    expect(((await viewer.waitFor((m) => m.type === 'frame' && m['env'] === 3))['state'] as Record<string, number>)['env']).toBe(1);
    expect((await viewer.request({ type: 'auth', id: 1, token: TOKEN })).type).toBe('ack');
    expect((await viewer.request({ type: 'input', id: 2, env: 3, buttons: ['a'] }))['code']).toBe(ErrorCode.Unsupported);
    const health = (await (await fetch(`${serving.server.url}api/health`)).json()) as { envs: number };
    expect(health.envs).toBe(4);
    early.ws.close();
    viewer.ws.close();
    await pub.stop();
  });
});
