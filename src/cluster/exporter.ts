/**
 * Shares this node's own envs with the cluster: announces them every `everyMs`, publishes their
 * latest state once a second, forwards StreamWrapper messages posted here, publishes an env's
 * frames only while another node holds a lease on it (at the fps leased, latest wins: a frame is
 * published or skipped, never queued), and answers input and commands for its envs with this
 * node's own control policy. Remote envs shown here are never re-exported (ids ≥ `remoteFirst`).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { Button, ClusterEnv, FrameFormat, NodeAnnounce, RemoteReplyMessage } from '../protocol/messages.js';
import { tokenChecker, type ControlPolicy } from '../server/control.js';
import type { WrapperMessage } from '../map/wrapper-message.js';
import type { WholeSite } from '../sources/source.js';
import { decodeCluster, encodeCluster } from './codec.js';
import type { Bus } from './connection.js';
import { frameDue, LeaseBook } from './leases.js';
import { subjects } from './subjects.js';

/** StreamWrapper messages and progress values that came from other nodes: delivered here, never sent back out. */
export const fromOtherNodes = new WeakSet<object>();

export const ANNOUNCE_EVERY_MS = 1000;
export const STATES_EVERY_MS = 1000;
/** A full env table goes out at least this often even when unchanged (heals a lost one). */
export const FULL_TABLE_EVERY_MS = 30_000;
/** Training numbers go to other nodes at most this often (latest per source wins). */
export const PROGRESS_EVERY_MS = 500;

export interface ExporterOptions {
  bus: Bus;
  node: string;
  /** Ids from here up are other nodes' envs. */
  remoteFirst: number;
  control: ControlPolicy;
  log: Logger;
  now?: () => number;
  everyMs?: number;
}

export class Exporter {
  readonly leases = new LeaseBook();
  /** This run's id in announcements (see NodeAnnounce.instance). */
  readonly instance = randomBytes(6).toString('hex');
  readonly #o: ExporterOptions;
  readonly #now: () => number;
  readonly #lastSent = new Map<number, number>();
  /** Progress waiting for the next PROGRESS_EVERY_MS tick, latest per source. */
  readonly #progress = new Map<string, Record<string, number>>();
  readonly #check: ReturnType<typeof tokenChecker>;
  #site: WholeSite | undefined;
  #unsubs: Array<() => void> = [];
  #timers: NodeJS.Timeout[] = [];
  #closed = false;
  #lastTable = '';
  #lastFullAt = -Infinity;
  /** Bytes of frames published (bus load). */
  frameBytes = 0;
  framesSent = 0;

  constructor(o: ExporterOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#check = tokenChecker(o.control);
  }

  start(site: WholeSite): void {
    this.#site = site;
    const { bus, node } = this.#o;
    site.tap({
      frame: (record, message) => this.#frame(record, message.env),
      wrapper: (m) => this.#wrapper(m),
      progress: (values, source) => void (fromOtherNodes.has(values) || this.#progress.set(source, values)),
    });
    site.demandFrom(() => this.leases.subscriptions(this.#now()));
    this.#unsubs.push(
      bus.subscribe(subjects.lease(node), (data) => {
        try {
          const m = decodeCluster(data, 'lease');
          this.leases.take(m.node, m.envs.filter((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite)), this.#now());
        } catch (err) {
          this.#o.log.debug({ err }, 'cluster: bad lease skipped');
        }
      }),
      bus.subscribe(subjects.ctl(node), (data, _subject, reply) => void this.#control(data).then((answer) => reply?.(encodeCluster(answer)))),
    );
    const every = this.#o.everyMs ?? ANNOUNCE_EVERY_MS;
    this.announce();
    this.#timers.push(setInterval(() => this.announce(), every), setInterval(() => this.#states(), STATES_EVERY_MS), setInterval(() => this.#sendProgress(), PROGRESS_EVERY_MS));
    for (const t of this.#timers) t.unref();
  }

  /** This node's own envs, as announced. */
  own(): ClusterEnv[] {
    return (this.#site?.envs() ?? [])
      .filter((e) => e.source !== 'remote' && e.env < this.#o.remoteFirst)
      .map(({ env, label, source, live, width, height, can }) => ({ env, label, source: source === 'published' ? 'published' : 'local', live, width, height, can }));
  }

  /**
   * Announces now (and every `everyMs`): with the env table when it changed, when `full`, or
   * every FULL_TABLE_EVERY_MS; with `bye`, says this node is leaving.
   */
  announce(full = false, bye = false, want?: string[]): void {
    const site = this.#site;
    if (!site) return;
    const now = this.#now();
    const envs = bye ? [] : this.own();
    const table = JSON.stringify(envs);
    const withTable = bye || full || table !== this.#lastTable || now - this.#lastFullAt >= FULL_TABLE_EVERY_MS;
    if (withTable && this.#o.bus.up) {
      this.#lastTable = table;
      this.#lastFullAt = now;
    }
    const h = site.hello();
    const m: NodeAnnounce = {
      type: 'node',
      node: this.#o.node,
      instance: this.instance,
      ts: now,
      everyMs: this.#o.everyMs ?? ANNOUNCE_EVERY_MS,
      ...(bye && { bye }),
      site: h.site?.kind === 'hub' ? 'hub' : 'serve',
      rom: { title: h.rom.title, sha1: h.rom.sha1, cgb: h.rom.cgb },
      ...(h.core && { core: h.core }),
      map: h.map,
      fields: h.fields,
      format: (h.format ?? 'jpeg') as FrameFormat,
      fps: h.fps,
      ...(withTable && { envs }),
      ...(want && { want }),
    };
    this.#o.bus.publish(subjects.node, encodeCluster(m));
  }

  #states(): void {
    const site = this.#site;
    if (!site || !this.#o.bus.up) return;
    const envs = site.states().filter((s) => s.env < this.#o.remoteFirst);
    if (envs.length) this.#o.bus.publish(subjects.states(this.#o.node), encodeCluster({ type: 'nstates', node: this.#o.node, ts: this.#now(), envs }));
  }

  #sendProgress(): void {
    if (this.#progress.size === 0 || !this.#o.bus.up) return;
    for (const [source, values] of this.#progress) this.#o.bus.publish(subjects.progress(this.#o.node), encodeCluster({ type: 'nprogress', node: this.#o.node, source, values }));
    this.#progress.clear();
  }

  #frame(record: Uint8Array, env: number): void {
    if (env >= this.#o.remoteFirst || !this.#o.bus.up) return;
    const now = this.#now();
    if (!frameDue(this.#lastSent.get(env), now, this.leases.fps(env, now))) return;
    this.#lastSent.set(env, now);
    this.frameBytes += record.byteLength;
    this.framesSent++;
    this.#o.bus.publish(subjects.frame(this.#o.node, env), record);
  }

  #wrapper(m: WrapperMessage): void {
    if (fromOtherNodes.has(m)) return;
    const text = JSON.stringify({ metadata: { user: m.user, env_id: m.envId, color: m.color, extra: m.extra, sprite_id: m.spriteId }, coords: m.coords });
    this.#o.bus.publish(subjects.wrapper(this.#o.node), encodeCluster({ type: 'nwrapper', node: this.#o.node, text }));
  }

  /** Input or a command from another node, decided by this node's control policy. */
  async #control(data: Uint8Array): Promise<RemoteReplyMessage> {
    try {
      const site = this.#site;
      if (!site) throw new GbsError(ErrorCode.Unsupported, 'this node is not serving yet');
      const m = decodeCluster(data, 'rinput', 'rcommand');
      this.#allow(m.node, m.token, m.env);
      if (m.env >= this.#o.remoteFirst) throw new GbsError(ErrorCode.NoSuchEnv, `env ${m.env} of node ${this.#o.node} is not its own`);
      if (m.type === 'rinput') await site.input(m.env, m.buttons as Button[], m.frames);
      else await site.command(m.env, m.name, m.args);
      return { type: 'rreply', ok: true };
    } catch (err) {
      const e = err as GbsError;
      return { type: 'rreply', ok: false, code: typeof e.code === 'string' ? e.code : ErrorCode.Internal, message: e.message ?? String(err) };
    }
  }

  #allow(from: string, token: string | undefined, env: number): void {
    const policy = this.#o.control;
    if (policy.mode === 'open') return;
    if (policy.mode === 'off') throw new GbsError(ErrorCode.ControlDenied, `env ${env} of node ${this.#o.node} takes no control (its --control is off)`);
    if (token === undefined || !this.#check!(token, `nats:${from}`)) throw new GbsError(ErrorCode.ControlDenied, `node ${this.#o.node} refused the control token forwarded by node ${from}`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    this.announce(true, true);
    for (const u of this.#unsubs) u();
    this.#site = undefined;
  }
}
