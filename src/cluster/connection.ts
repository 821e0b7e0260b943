/**
 * The cluster's one NATS connection: where it goes (`nats://` or `tls://`), with which credential
 * (user and password or a token in the URL, GBSTREAM_NATS_TOKEN, or a `--cluster-creds` file:
 * a NATS `.creds` file or a file holding a token), and whether it is up now. Joining fails with
 * one ConfigError line (a wrong credential, nothing listening); later outages are reported
 * through `onChange` while the client reconnects on its own, forever.
 *
 * `Bus` is all the rest of the cluster sees: publish, subscribe, request/reply. No gbstream
 * records here, only bytes.
 */
import { readFile } from 'node:fs/promises';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { ConfigError } from '../config-error.js';

export interface BusOptions {
  /** `nats://[user:pass@|token@]host:port` or `tls://…`; several separated by commas. */
  url: string;
  /** A token (GBSTREAM_NATS_TOKEN) when the URL has no credential. */
  token?: string;
  /** A NATS `.creds` file, or a file whose one line is a token. */
  credsFile?: string;
  /** The node's name, shown by the NATS server's monitoring. */
  name: string;
  /** Ms between reconnect attempts (tests shorten it). */
  reconnectMs?: number;
}

export type BusHandler = (data: Uint8Array, subject: string, reply: ((data: Uint8Array) => void) | undefined) => void;

export interface Bus {
  /** Whether the connection is up now (publishing while down would queue in the client: callers skip it). */
  readonly up: boolean;
  /** The server(s), credentials left out, for logs. */
  readonly where: string;
  publish(subject: string, data: Uint8Array): void;
  subscribe(subject: string, handler: BusHandler): () => void;
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  /** Called with false when the connection drops and true when it is back. */
  onChange(listener: (up: boolean) => void): void;
  close(): Promise<void>;
}

interface Target {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
  tls: boolean;
}

/** Splits a `--cluster` URL into servers and the credential it carries. Pure. */
export function parseClusterUrl(url: string): Target {
  const parts = url.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw bad(url, 'no server');
  const target: Target = { servers: [], tls: false };
  for (const part of parts) {
    let u: URL;
    try {
      u = new URL(part);
    } catch {
      throw bad(url, `\`${redact(part)}\` is not a URL`);
    }
    if (u.protocol !== 'nats:' && u.protocol !== 'tls:') throw bad(url, `scheme must be nats:// or tls://, got \`${u.protocol}//\``);
    if (!u.hostname) throw bad(url, 'no host');
    if (u.pathname && u.pathname !== '/') throw bad(url, 'a path means nothing here');
    if (u.protocol === 'tls:') target.tls = true;
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    if (user && pass) Object.assign(target, { user, pass });
    else if (user) target.token = user;
    target.servers.push(`${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}:${u.port || '4222'}`);
  }
  return target;
}

/** The URL with any credential replaced by `***` (for messages and logs). */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/g, '//***@');
}

function bad(url: string, why: string): ConfigError {
  return new ConfigError('GBS_ERR_CLUSTER', `Expected \`cluster\` to be nats://HOST:PORT (or tls://), ${why}: \`${redact(url)}\`.`);
}

async function credsOf(file: string): Promise<Pick<NodeConnectionOptions, 'authenticator' | 'token'>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError('GBS_ERR_CLUSTER', `cannot read --cluster-creds \`${file}\`: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (text.includes('BEGIN NATS USER JWT')) {
    const { credsAuthenticator } = await import('@nats-io/transport-node');
    return { authenticator: credsAuthenticator(new TextEncoder().encode(text)) };
  }
  const token = text.trim();
  if (!token || token.includes('\n')) throw new ConfigError('GBS_ERR_CLUSTER', `--cluster-creds \`${file}\` is neither a NATS .creds file nor one line holding a token`);
  return { token };
}

/**
 * Joins the cluster's NATS server(s).
 * @throws ConfigError('GBS_ERR_CLUSTER') with one line: bad URL, wrong credential, nothing there.
 */
export async function openBus(o: BusOptions): Promise<Bus> {
  const target = parseClusterUrl(o.url);
  const where = target.servers.map((s) => `${target.tls ? 'tls' : 'nats'}://${s}`).join(',');
  const auth = o.credsFile ? await credsOf(o.credsFile) : target.user ? { user: target.user, pass: target.pass } : { token: target.token ?? o.token };
  // Loaded here, not at import: a server without --cluster never pays for the NATS client.
  const { connect } = await import('@nats-io/transport-node');
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: target.servers,
      name: `gbstream ${o.name}`,
      ...auth,
      ...(target.tls && { tls: {} }),
      maxReconnectAttempts: -1,
      reconnectTimeWait: o.reconnectMs ?? 1000,
      timeout: 5000,
    });
  } catch (err) {
    throw new ConfigError('GBS_ERR_CLUSTER', `cannot join the cluster at ${where}: ${reason(err)}`);
  }
  return new NatsBus(nc, where);
}

function reason(err: unknown): string {
  const e = err as Error & { code?: string; cause?: Error };
  const text = `${e.message ?? String(err)}${e.cause?.message ? ` (${e.cause.message})` : ''}`;
  if (/authorization|authentication|auth/i.test(text)) return `the NATS server refused the credential (${text})`;
  return text;
}

class NatsBus implements Bus {
  readonly where: string;
  readonly #nc: NatsConnection;
  readonly #listeners: Array<(up: boolean) => void> = [];
  #up = true;

  constructor(nc: NatsConnection, where: string) {
    this.#nc = nc;
    this.where = where;
    void this.#watch();
  }

  get up(): boolean {
    return this.#up && !this.#nc.isClosed();
  }

  async #watch(): Promise<void> {
    for await (const s of this.#nc.status()) {
      if (s.type === 'disconnect' && this.#up) this.#set(false);
      else if (s.type === 'reconnect' && !this.#up) this.#set(true);
    }
  }

  #set(up: boolean): void {
    this.#up = up;
    for (const l of this.#listeners) l(up);
  }

  publish(subject: string, data: Uint8Array): void {
    if (!this.up) return;
    try {
      this.#nc.publish(subject, data);
    } catch {
      // Closed or draining between the check and the call: the message is lost, as on a dead bus.
    }
  }

  subscribe(subject: string, handler: BusHandler): () => void {
    const sub = this.#nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        handler(msg.data, msg.subject, msg.reply ? (data) => void msg.respond(data) : undefined);
      },
    });
    return () => {
      if (!sub.isClosed()) sub.unsubscribe();
    };
  }

  async request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const msg = await this.#nc.request(subject, data, { timeout: timeoutMs });
    return msg.data;
  }

  onChange(listener: (up: boolean) => void): void {
    this.#listeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.#nc.isClosed()) return;
    try {
      await this.#nc.drain();
    } catch {
      await this.#nc.close();
    }
  }
}
