/**
 * `/broadcast` agents as a source: StreamWrapper trainers post positions (no frames, no envs of
 * their own) that the site's Map view places. Who may post is decided by the endpoint
 * (server/broadcast-endpoint.ts: the control token, or a loopback server).
 */
import type { Logger } from '../log.js';
import type { AuthFailures } from '../server/auth-failures.js';
import { BROADCAST_PATH, BroadcastEndpoint } from '../server/broadcast-endpoint.js';
import { PUBLISHED_CAN, type EnvSource, type SiteContext, type SourceEndpoint } from './source.js';

export interface StreamWrapperSourceOptions {
  /** The bound address and the control token: who may use `/broadcast`. */
  host: string;
  token?: string;
  /** The site's failed-auth count per address (see server/auth-failures.ts). */
  failures?: AuthFailures;
  log: Logger;
}

export class StreamWrapperSource implements EnvSource {
  readonly kind = 'stream-wrappers';
  readonly can = PUBLISHED_CAN;
  readonly endpoints: readonly SourceEndpoint[];
  readonly #endpoint: BroadcastEndpoint;
  #site: SiteContext | undefined;

  constructor(o: StreamWrapperSourceOptions) {
    this.#endpoint = new BroadcastEndpoint({ host: o.host, token: o.token, failures: o.failures, log: o.log, onMessage: (m) => this.#site?.wrapper(m) });
    this.endpoints = [{ path: BROADCAST_PATH, upgrade: (req, socket, head) => this.#endpoint.upgrade(req, socket, head) }];
  }

  envs() {
    return [];
  }

  slots(): number {
    return 0;
  }

  stats() {
    return [];
  }

  start(site: SiteContext): void {
    this.#site = site;
  }

  async close(): Promise<void> {
    this.#site = undefined;
    await this.#endpoint.close();
  }
}
