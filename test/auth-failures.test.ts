/**
 * Failed auths are counted per remote address across every socket kind and endpoint: 10 within a
 * minute and the address is refused (GBS_ERR_AUTH_BLOCKED) for a while, even with the right token.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type HubServing } from '../src/app/hub.js';
import { silentLogger } from '../src/log.js';
import { PUBLISHER_SUBPROTOCOL } from '../src/protocol/constants.js';
import { AUTH_FAILURES, AuthFailures } from '../src/server/auth-failures.js';
import { TestClient } from './helpers/ws-client.js';

describe('AuthFailures (injected clock)', () => {
  it('refuses an address after perWindow failures within the window, for blockMs', () => {
    let now = 0;
    const f = new AuthFailures(() => now);
    for (let i = 0; i < AUTH_FAILURES.perWindow - 1; i++) f.fail('10.0.0.1');
    expect(f.blockedFor('10.0.0.1')).toBe(0);
    f.fail('10.0.0.1');
    expect(f.blockedFor('10.0.0.1')).toBe(AUTH_FAILURES.blockMs);
    expect(() => f.check('10.0.0.1')).toThrow(expect.objectContaining({ code: 'GBS_ERR_AUTH_BLOCKED' }));
    expect(f.blockedFor('10.0.0.2')).toBe(0); // another address is not affected
    now += AUTH_FAILURES.blockMs;
    expect(f.blockedFor('10.0.0.1')).toBe(0);
  });

  it('forgets failures spread wider than the window', () => {
    let now = 0;
    const f = new AuthFailures(() => now);
    for (let i = 0; i < 3 * AUTH_FAILURES.perWindow; i++) {
      f.fail('10.0.0.1');
      now += AUTH_FAILURES.windowMs / (AUTH_FAILURES.perWindow - 2);
    }
    expect(f.blockedFor('10.0.0.1')).toBe(0);
  });

  it('remembers at most maxAddresses addresses', () => {
    const f = new AuthFailures(() => 0, { ...AUTH_FAILURES, perWindow: 1, maxAddresses: 3 });
    for (const a of ['a', 'b', 'c', 'd']) f.fail(a);
    expect(f.blockedFor('a')).toBe(0); // evicted first
    expect(f.blockedFor('d')).toBeGreaterThan(0);
  });
});

describe('across socket kinds on a real hub', () => {
  const TOKEN = 'right-token-123';
  let serving: HubServing;
  let base: string;
  let wsUrl: string;

  beforeAll(async () => {
    serving = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, control: { mode: 'token', token: TOKEN }, log: silentLogger() });
    base = serving.server.url;
    wsUrl = base.replace(/^http/, 'ws') + 'ws';
  });

  afterAll(async () => {
    await serving?.stop();
  });

  const postProgress = (token: string) => fetch(`${base}api/progress`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"reward": 1}' });
  const broadcast = (token: string) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(`${wsUrl.replace(/ws$/, 'broadcast')}?token=${token}`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('error', () => undefined);
    });

  it('blocks an address after 10 failures spread over /ws, publishers, /broadcast and /api/progress', async () => {
    const viewer = new TestClient(wsUrl);
    const publisher = new TestClient(wsUrl, [PUBLISHER_SUBPROTOCOL]);
    await Promise.all([viewer.opened(), publisher.opened()]);
    for (let i = 0; i < 3; i++) expect(await viewer.request({ type: 'auth', id: 1 + i, token: 'wrong' })).toMatchObject({ code: 'GBS_ERR_CONTROL_DENIED' });
    for (let i = 0; i < 3; i++) expect(await publisher.request({ type: 'auth', id: 1 + i, token: 'wrong' })).toMatchObject({ code: 'GBS_ERR_CONTROL_DENIED' });
    for (let i = 0; i < 2; i++) expect(await broadcast('wrong')).toBe(401);
    for (let i = 0; i < 2; i++) expect((await postProgress('wrong')).status).toBe(401);

    // Now even the right token is refused, on every kind, with a clear error.
    expect(await viewer.request({ type: 'auth', id: 10, token: TOKEN })).toMatchObject({ type: 'error', code: 'GBS_ERR_AUTH_BLOCKED' });
    expect(await publisher.request({ type: 'auth', id: 10, token: TOKEN })).toMatchObject({ type: 'error', code: 'GBS_ERR_AUTH_BLOCKED' });
    expect(await broadcast(TOKEN)).toBe(429);
    const res = await postProgress(TOKEN);
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ error: 'GBS_ERR_AUTH_BLOCKED' });
    viewer.ws.close();
    publisher.ws.close();
  });
});
