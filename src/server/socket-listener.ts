/**
 * `serve --socket PATH`: a Unix-domain stream socket beside the HTTP port, for trainers on this
 * machine. Each connection is a StreamTransport handed to the same viewer code as `/ws`. The
 * socket file is made mode 0600 (only this user may connect; the control token still applies),
 * removed at close, and never takes a path over: a live server there is refused in one line; a
 * stale socket file (nobody answers) is replaced; anything that is not a socket is left alone.
 */
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { ConfigError } from '../config-error.js';
import { CLOSE_GOING_AWAY } from '../protocol/close-codes.js';
import { StreamTransport } from './stream-transport.js';

export interface SocketListener {
  readonly path: string;
  /** Closes every connection (as the server's shutdown closes /ws), stops listening, removes the file. */
  close(): Promise<void>;
}

/** Listens on `path`; `accept` gets every connection as a transport. */
export async function listenSocket(path: string, accept: (transport: StreamTransport) => void): Promise<SocketListener> {
  await clearStale(path);
  const sockets = new Set<Socket>();
  const transports = new Set<StreamTransport>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const transport = new StreamTransport(socket);
    transports.add(transport);
    transport.on('close', () => transports.delete(transport));
    accept(transport);
  });
  // The file is made with the umask's mode; narrow it before anyone can connect.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    throw new ConfigError('GBS_ERR_LISTEN', `cannot listen on socket ${JSON.stringify(path)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  return {
    path,
    close: async () => {
      for (const t of transports) t.close(CLOSE_GOING_AWAY, 'server shutting down');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const cutOff = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 1000);
      await closed;
      clearTimeout(cutOff);
      try {
        unlinkSync(path);
      } catch {
        // already gone (server.close removes it on some platforms)
      }
    },
  };
}

/** Refuses a path a live server answers on or that is not a socket; removes a stale socket file. */
async function clearStale(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) throw new ConfigError('GBS_ERR_LISTEN', `--socket ${JSON.stringify(path)} exists and is not a socket; give a new path`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new ConfigError('GBS_ERR_LISTEN', `--socket ${JSON.stringify(path)}: a server is already listening there`);
  unlinkSync(path);
}
