/**
 * Client limits on a real server (issue 12 item 7): the rate limit charges every record, not
 * every WebSocket message, and a client that keeps failing `auth` is closed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeRecord } from '../src/protocol/record.js';
import { MAX_CLIENT_MESSAGE_BYTES } from '../src/protocol/constants.js';
import { MESSAGE_RATE, MAX_FAILED_AUTHS } from '../src/server/rate-limit.js';
import type { StreamServer } from '../src/server/server.js';
import { startBareServer } from './helpers/bare-server.js';
import { TestClient } from './helpers/ws-client.js';

let server: StreamServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('rate limit per record (issue 12 item 7)', () => {
  it('one WebSocket message of many records is charged per record', async () => {
    const s = await startBareServer();
    server = s;
    const client = new TestClient(s.wsUrl);
    await client.opened();
    await client.waitFor((m) => m.type === 'hello');
    // As many pings as fit in one client message: far more than the burst.
    const ping = encodeRecord({ type: 'ping', id: 1 });
    const count = Math.floor(MAX_CLIENT_MESSAGE_BYTES / ping.byteLength);
    expect(count).toBeGreaterThan(MESSAGE_RATE.burst + 20);
    client.ws.send(Buffer.concat(Array.from({ length: count }, () => ping)));
    await client.waitFor((m) => m.type === 'error' && m['code'] === 'GBS_ERR_RATE_LIMITED');
    // Records are answered in order, and once one is refused the rest of the message is refused
    // too (each by its id), so the pongs stop at the burst.
    const pongs = client.of('pong').length;
    expect(pongs).toBeGreaterThan(0);
    expect(pongs).toBeLessThanOrEqual(MESSAGE_RATE.burst + 2);
    client.ws.close();
  });

  it('closes a connection after a few failed auths', async () => {
    const s = await startBareServer({ control: { mode: 'token', token: 'right-token' } });
    server = s;
    const client = new TestClient(s.wsUrl);
    await client.opened();
    for (let i = 0; i < MAX_FAILED_AUTHS - 1; i++) {
      const answer = await client.request({ type: 'auth', id: i + 1, token: `guess-${i}` });
      expect(answer).toMatchObject({ type: 'error', code: 'GBS_ERR_CONTROL_DENIED' });
    }
    expect(client.closeCode).toBeUndefined();
    client.send({ type: 'auth', id: 99, token: 'last-guess' });
    expect(await client.closed).toBe(1008);
    // The right token on a fresh connection still works.
    const again = new TestClient(s.wsUrl);
    await again.opened();
    expect(await again.request({ type: 'auth', id: 1, token: 'right-token' })).toMatchObject({ type: 'ack', of: 'auth' });
    again.ws.close();
  });
});
