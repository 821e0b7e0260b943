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
  setTimeout(() => socket.onclose?.({ code: 1006, reason: 'WebSocket unavailable' }), 0);
  return socket;
}
