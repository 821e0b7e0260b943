import { CLOSE_ABNORMAL } from '../../src/protocol/close-codes.js';
import type { SocketLike } from './connection.js';

/** A socket that fails at once, for browsers (or tests) without WebSocket: the fallback takes over. */
export function deadSocket(): SocketLike {
  const socket: SocketLike = {
    binaryType: 'arraybuffer',
    readyState: 3,
    onopen: null,
    onclose: null,
    onerror: null,
    onmessage: null,
    send: () => undefined,
    close: () => undefined,
  };
  setTimeout(() => socket.onclose?.({ code: CLOSE_ABNORMAL, reason: 'WebSocket unavailable' }), 0);
  return socket;
}
