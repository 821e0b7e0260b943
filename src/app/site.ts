/**
 * What `serve` and `replay` share: the HTTP + WebSocket server on the viewer's files, started
 * with the one error a user needs when the port is taken.
 */
import { WEB_ROOT } from '../paths.js';
import { listenError } from '../server/listen-error.js';
import { startServer, type StreamServer, type StreamServerOptions } from '../server/server.js';

/** Where and for whom to listen: the options `serve` and `replay` take alike. */
export type SiteBase = Pick<StreamServerOptions, 'host' | 'port' | 'log' | 'allowOrigins'> & { webRoot?: string };

/** What differs between a live run and a replay: hello, stats, who controls, what input does. */
export type SiteParts = Omit<StreamServerOptions, keyof SiteBase>;

/**
 * Starts the server; when it can't listen, runs `cleanup` (stop what was started for it) and
 * throws a ConfigError naming the host and port.
 */
export async function startSite(base: SiteBase, parts: SiteParts, cleanup: () => Promise<unknown>): Promise<StreamServer> {
  const { host, port, log, allowOrigins, webRoot = WEB_ROOT } = base;
  try {
    return await startServer({ host, port, log, allowOrigins, webRoot, ...parts });
  } catch (err) {
    await cleanup();
    throw listenError(err, host, port);
  }
}
