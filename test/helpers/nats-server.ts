/**
 * A real `nats-server` (Debian's, 2.9) on a free loopback port, for cluster tests; stopped (and
 * restartable on the same port) by the test. Tests that need it are skipped with the reason when
 * it is not installed (`.ci/run` installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port.js';

const BIN = process.env['GBSTREAM_NATS_SERVER'] ?? 'nats-server';
const probe = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
export const natsMissing: string | undefined = probe.error || probe.status !== 0 ? `nats-server not found (${BIN}; Debian: apt install nats-server)` : undefined;
if (natsMissing) console.warn(`skipping cluster tests: ${natsMissing}`);

export interface NatsOptions {
  /** Clients must send this token. */
  token?: string;
  /** TLS required: certificate and key files (PEM). */
  tls?: { cert: string; key: string };
}

export class NatsServer {
  readonly port: number;
  readonly #o: NatsOptions;
  #child: ChildProcess | undefined;
  #log = '';

  private constructor(port: number, o: NatsOptions) {
    this.port = port;
    this.#o = o;
  }

  static async start(o: NatsOptions = {}): Promise<NatsServer> {
    const server = new NatsServer(await freePort(), o);
    await server.restart();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.#log;
  }

  /** Starts it (again, on the same port) and resolves once it accepts clients. */
  restart(): Promise<void> {
    const args = ['-a', '127.0.0.1', '-p', String(this.port), ...(this.#o.token ? ['--auth', this.#o.token] : []), ...(this.#o.tls ? ['--tls', '--tlscert', this.#o.tls.cert, '--tlskey', this.#o.tls.key] : [])];
    const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server not ready within 10 s: ${this.#log}`)), 10_000);
      const onData = (d: Buffer) => {
        this.#log += d.toString();
        if (this.#log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited ${code}: ${this.#log}`));
      });
    });
  }

  /** Stops it and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await gone;
  }
}
