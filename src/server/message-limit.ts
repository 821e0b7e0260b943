/**
 * The largest message one `/ws` connection may send, per connection. `ws` has one `maxPayload`
 * per server, checked as each frame header arrives (before the payload is buffered); a stranger
 * must not get the agents' 4 MiB of it until it has authenticated. So the server takes the
 * agents' ceiling and each connection's receiver is set to its own limit: the viewer's 4 KiB
 * before auth, the agent's after (socket-policy.ts). `ws` exposes no per-connection setter;
 * this touches its receiver's `_maxPayload` (ws 8: lib/receiver.js checks it per frame and for a
 * fragmented message's total), test/ws-message-limit.integration.test.ts pins that behaviour,
 * and a `ws` without it is caught by the size check after receipt (viewer-socket.ts).
 */
import { SOCKET_POLICY } from './socket-policy.js';

/** A connection's message limit, bytes: the agents' once it has control rights, a stranger's before. */
export function messageLimit(control: boolean): number {
  return control ? SOCKET_POLICY.agent.maxMessageBytes : SOCKET_POLICY.viewer.maxMessageBytesBeforeAuth;
}

/**
 * Sets the largest message `socket` takes: a Unix-socket transport's own setter, or a `ws`
 * receiver's `_maxPayload`. False when it is neither (another `ws`), and nothing was changed.
 */
export function setMessageLimit(socket: unknown, bytes: number): boolean {
  const stream = socket as { setMaxMessageBytes?: unknown } | null;
  if (typeof stream?.setMaxMessageBytes === 'function') {
    (stream.setMaxMessageBytes as (n: number) => void).call(socket, bytes);
    return true;
  }
  const receiver = (socket as { _receiver?: { _maxPayload?: unknown } } | null)?._receiver;
  if (!receiver || typeof receiver._maxPayload !== 'number') return false;
  receiver._maxPayload = bytes;
  return true;
}
