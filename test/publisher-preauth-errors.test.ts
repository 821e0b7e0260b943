/**
 * A publisher that has not authenticated and only earns errors is cut off after
 * SOCKET_POLICY.publisher.errorsBeforeAuth of them, even while it reads its answers: on loopback
 * the kernel's socket buffer takes megabytes of answers before the output cap notices, and
 * answering every one of 1,500 × 163 pre-auth `announce` records held a serve process's main
 * thread (bench/abuse.mjs: /api/health median 667 ms under that flood).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHub, type HubServing } from '../src/app/hub.js';
import { silentLogger } from '../src/log.js';
import { MAX_CLIENT_MESSAGE_BYTES, PUBLISHER_SUBPROTOCOL } from '../src/protocol/constants.js';
import { encodeRecord } from '../src/protocol/record.js';
import { SOCKET_POLICY } from '../src/server/socket-policy.js';
import { TestClient } from './helpers/ws-client.js';

const BUDGET = SOCKET_POLICY.publisher.errorsBeforeAuth ?? 0;
let serving: HubServing;
let url: string;

beforeAll(async () => {
  serving = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, control: { mode: 'token', token: 'preauth-token-123' }, log: silentLogger() });
  url = serving.server.url.replace(/^http/, 'ws') + 'ws';
});

afterAll(async () => {
  await serving?.stop();
});

it('answers a few errors before auth, then cuts the publisher off', async () => {
  const record = encodeRecord({ type: 'announce', envs: 1 });
  const records = Math.floor(MAX_CLIENT_MESSAGE_BYTES / record.byteLength);
  expect(BUDGET).toBeGreaterThan(0);
  expect(records).toBeGreaterThan(BUDGET * 4);
  const client = new TestClient(url, [PUBLISHER_SUBPROTOCOL]);
  await client.opened();
  client.ws.send(Buffer.concat(Array.from({ length: records }, () => record)));
  await client.closed;
  const errors = client.of('error');
  expect(errors.length).toBe(BUDGET);
  expect(errors[0]).toMatchObject({ code: 'GBS_ERR_CONTROL_DENIED' });
});

it('a publisher that authenticates first is not affected', async () => {
  const client = new TestClient(url, [PUBLISHER_SUBPROTOCOL]);
  await client.opened();
  expect(await client.request({ type: 'auth', id: 1, token: 'preauth-token-123' })).toMatchObject({ type: 'ack' });
  // After auth, errors are answered as before (a second announce is refused, the socket stays).
  expect(await client.request({ type: 'announce', id: 2, envs: 1 })).toMatchObject({ type: 'announced' });
  for (let i = 0; i < BUDGET + 4; i++) expect(await client.request({ type: 'announce', id: 10 + i, envs: 1 })).toMatchObject({ code: 'GBS_ERR_NOT_ANNOUNCED' });
  expect(client.closeCode).toBeUndefined();
  client.ws.close();
});
