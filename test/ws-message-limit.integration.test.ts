/**
 * Issue 22 "Also": a `/ws` client gets the viewer's message limit until it has authenticated as
 * an agent, refused at the frame header (ws's receiver), not after the server buffered up to the
 * agents' 4 MiB. Real servers on port 0, real `ws` clients.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_AGENT_MESSAGE_BYTES, MAX_CLIENT_MESSAGE_BYTES } from '../src/protocol/constants.js';
import { encodeRecord } from '../src/protocol/record.js';
import { messageLimit, setMessageLimit } from '../src/server/message-limit.js';
import type { StreamServer } from '../src/server/server.js';
import { SOCKET_POLICY } from '../src/server/socket-policy.js';
import { startBareServer } from './helpers/bare-server.js';
import { TestClient } from './helpers/ws-client.js';

let server: StreamServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const TOKEN = 'sekrit-token';

/** A ping padded to `bytes` (zod drops the unknown field): a valid record of any size. */
const bigPing = (id: number, bytes: number) => encodeRecord({ type: 'ping', id, pad: new Uint8Array(bytes) } as unknown as Parameters<typeof encodeRecord>[0]);

describe('/ws message limit per connection', () => {
  it('the limits come from the socket policy: a stranger’s 4 KiB, an agent’s 4 MiB', () => {
    expect(messageLimit(false)).toBe(SOCKET_POLICY.viewer.maxMessageBytesBeforeAuth);
    expect(messageLimit(false)).toBe(MAX_CLIENT_MESSAGE_BYTES);
    expect(messageLimit(true)).toBe(MAX_AGENT_MESSAGE_BYTES);
    expect(setMessageLimit({}, 10)).toBe(false);
    expect(setMessageLimit(null, 10)).toBe(false);
  });

  it('before auth, the first fragment past the viewer limit closes the socket with 1009 (the rest never needs to come)', async () => {
    const s = await startBareServer({ control: { mode: 'token', token: TOKEN } });
    server = s;
    const client = new TestClient(s.wsUrl);
    await client.opened();
    await client.waitFor((m) => m.type === 'hello');
    // The start of a big message, never finished: a server that waits for a whole message before
    // checking its size would hold these bytes (up to 4 MiB) and never close.
    client.ws.send(Buffer.alloc(MAX_CLIENT_MESSAGE_BYTES * 2), { fin: false, binary: true });
    expect(await Promise.race([client.closed, new Promise((r) => setTimeout(() => r('still open'), 10_000))])).toBe(1009);
  });

  it('after auth with the token, an agent may send up to 4 MiB; a stranger’s same message is refused', async () => {
    const s = await startBareServer({ control: { mode: 'token', token: TOKEN } });
    server = s;
    const agent = new TestClient(s.wsUrl);
    await agent.opened();
    agent.send({ type: 'auth', id: 1, token: TOKEN });
    await agent.waitFor((m) => m.type === 'ack' && m['of'] === 'auth');
    agent.ws.send(bigPing(2, 1024 * 1024));
    expect((await agent.waitFor((m) => m.type === 'pong' && m['id'] === 2, 15_000)).type).toBe('pong');
    agent.ws.close();

    const stranger = new TestClient(s.wsUrl);
    await stranger.opened();
    stranger.ws.send(bigPing(3, 1024 * 1024));
    expect(await stranger.closed).toBe(1009);
  });

  it('auth and a big record in one burst: the limit is raised before the next frame is read', async () => {
    const s = await startBareServer({ control: { mode: 'token', token: TOKEN } });
    server = s;
    const agent = new TestClient(s.wsUrl);
    await agent.opened();
    agent.send({ type: 'auth', id: 1, token: TOKEN });
    agent.ws.send(bigPing(2, 64 * 1024));
    expect((await agent.waitFor((m) => m.type === 'pong' && m['id'] === 2, 15_000)).type).toBe('pong');
    agent.ws.close();
  });

  it('with --control open every client has control rights, and the agents’ limit from the start', async () => {
    const s = await startBareServer({ control: { mode: 'open' } });
    server = s;
    const client = new TestClient(s.wsUrl);
    await client.opened();
    client.ws.send(bigPing(4, 256 * 1024));
    expect((await client.waitFor((m) => m.type === 'pong' && m['id'] === 4, 15_000)).type).toBe('pong');
    client.ws.close();
  });
});
