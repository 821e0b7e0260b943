/**
 * What `serve`, `hub` and `replay` share: the HTTP + WebSocket server on the viewer's files, started
 * with the one error a user needs when the port is taken.
 */
import type { Logger } from '../log.js';
import { WEB_ROOT } from '../paths.js';
import type { EventMessage, HelloMessage } from '../protocol/messages.js';
import type { Recorder } from '../record/recorder.js';
import { startRecorder, type RecordSpec } from '../record/start-recorder.js';
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

/**
 * Starts the recorder when `spec` asks for one (`serve` and `hub` alike): its failures are logged
 * and reach viewers through `publish`. When it can't start, runs `cleanup` and rethrows.
 */
export async function startRecording(
  spec: RecordSpec | undefined,
  hello: () => Omit<HelloMessage, 'control'>,
  log: Logger,
  publish: (event: EventMessage) => void,
  cleanup: () => unknown,
): Promise<Recorder | undefined> {
  if (!spec) return undefined;
  try {
    return await startRecorder(spec, hello, (event) => {
      log.error({ code: event.code }, event.message);
      publish(event);
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
}
