/**
 * Joining a cluster: the options `serve` and `hub` take (`--cluster`, `--node`, credentials), and
 * the one call that connects and makes the cluster source. Everything that can fail (URL, node
 * name, credential, nothing listening) fails here, with one ConfigError line.
 */
import { hostname } from 'node:os';
import type { Logger } from '../log.js';
import type { ControlPolicy } from '../server/control.js';
import { ClusterSource } from './cluster-source.js';
import { openBus } from './connection.js';
import { defaultNodeName, parseNodeName } from './subjects.js';

export interface ClusterOptions {
  /** `nats://[user:pass@|token@]HOST:PORT` or `tls://…` (`--cluster`, GBSTREAM_CLUSTER). */
  url: string;
  /** This node's name (`--node`); default host name + pid. */
  node?: string;
  /** A NATS token when the URL carries no credential (GBSTREAM_NATS_TOKEN). */
  token?: string;
  /** A NATS `.creds` file or a file holding a token (`--cluster-creds`). */
  credsFile?: string;
  /** Announcement period, ms (tests shorten it). */
  everyMs?: number;
  /** Ms between reconnect attempts (tests shorten it). */
  reconnectMs?: number;
}

export async function joinCluster(o: ClusterOptions, site: { firstEnv: number; control: ControlPolicy; fps: number; log: Logger }): Promise<ClusterSource> {
  const node = o.node === undefined ? defaultNodeName(hostname(), process.pid) : parseNodeName(o.node);
  const bus = await openBus({ url: o.url, token: o.token, credsFile: o.credsFile, name: node, reconnectMs: o.reconnectMs });
  return new ClusterSource({ bus, node, firstEnv: site.firstEnv, control: site.control, fps: site.fps, log: site.log, everyMs: o.everyMs });
}
