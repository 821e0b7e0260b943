/**
 * A big publisher joins a hub that has a token. `auth` and `announce` may come in one message:
 * only the leading `auth` record is read under the stranger's 4 KiB limit, and with the right
 * token the announce (1,024 envs × 64-character labels, ~70 KB) gets the publisher's limit.
 * Anything else over 4 KiB before auth is still GBS_ERR_TOO_LARGE and a 1009 close.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type HubServing } from '../src/app/hub.js';
import { MAX_ENVS_PER_PUBLISHER } from '../src/hub/env-table.js';
import { CLOSE_TOO_BIG } from '../src/protocol/close-codes.js';
import { silentLogger } from '../src/log.js';
import { ErrorCode, MAX_CLIENT_MESSAGE_BYTES, PUBLISHER_SUBPROTOCOL } from '../src/protocol/constants.js';
import { encodeRecord } from '../src/protocol/record.js';
import { TestClient } from './helpers/ws-client.js';

const TOKEN = 'join-token';
const ENVS = 1024;
const labels = (prefix: string) => Array.from({ length: ENVS }, (_, i) => `${prefix}/${i}/`.padEnd(64, 'x'));

describe('a 1,024-env publisher with 64-character labels joins a hub with a token', () => {
  let serving: HubServing;
  let url: string;
  const open: TestClient[] = [];

  async function publisher(): Promise<TestClient> {
    const c = new TestClient(url, [PUBLISHER_SUBPROTOCOL]);
    open.push(c);
    await c.opened();
    return c;
  }

  /** auth (or another first record) and the announce in one WebSocket message. */
  const oneMessage = (first: Record<string, unknown>, prefix: string) =>
    Buffer.concat([encodeRecord(first as never), encodeRecord({ type: 'announce', id: 1, envs: ENVS, labels: labels(prefix) } as never)]);

  beforeAll(async () => {
    serving = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, maxEnvs: 2 * ENVS, control: { mode: 'token', token: TOKEN }, log: silentLogger() });
    url = serving.server.url.replace(/^http/, 'ws') + 'ws';
  });
  afterAll(async () => {
    for (const c of open) c.ws.terminate();
    await serving?.stop();
  });

  it('auth and announce in one message of ~70 KB: acked, then announced with 1,024 env ids', async () => {
    expect(MAX_ENVS_PER_PUBLISHER).toBeGreaterThanOrEqual(ENVS);
    const c = await publisher();
    const message = oneMessage({ type: 'auth', id: 0, token: TOKEN }, 'big');
    expect(message.byteLength).toBeGreaterThan(16 * MAX_CLIENT_MESSAGE_BYTES);
    c.ws.send(message);
    const announced = await c.waitFor((m) => m.type === 'announced' || m.type === 'error', 15_000);
    expect(announced, JSON.stringify(announced)).toMatchObject({ type: 'announced', id: 1 });
    expect(announced['envs']).toHaveLength(ENVS);
    expect(c.of('ack')[0]).toMatchObject({ id: 0, of: 'auth' });
    expect(serving.hub.table.list().filter((e) => e.label.startsWith('big/')).map((e) => e.label)).toEqual(labels('big'));
  });

  it('the same message with a wrong token: GBS_ERR_CONTROL_DENIED for the auth, GBS_ERR_TOO_LARGE and a 1009 close for the rest', async () => {
    const c = await publisher();
    c.ws.send(oneMessage({ type: 'auth', id: 0, token: 'not-the-token' }, 'wrong'));
    expect(await c.closed).toBe(CLOSE_TOO_BIG);
    expect(c.of('error').map((e) => [e['id'], e['code']])).toEqual([
      [0, ErrorCode.ControlDenied],
      [undefined, ErrorCode.TooLarge],
    ]);
  });

  it('an oversized message that does not start with auth: GBS_ERR_TOO_LARGE and a 1009 close, nothing announced', async () => {
    const c = await publisher();
    c.ws.send(oneMessage({ type: 'ping', id: 0 }, 'stranger'));
    expect(await c.closed).toBe(CLOSE_TOO_BIG);
    expect(c.of('error').map((e) => e['code'])).toEqual([ErrorCode.TooLarge]);
    expect(c.of('pong')).toEqual([]);
    expect(serving.hub.table.list().some((e) => e.label.startsWith('stranger/'))).toBe(false);
  });
});
