/**
 * The other nodes of a cluster as one more env source: their envs appear in this site's table
 * (numbered from `firstEnv`, see node-table.ts), their frames arrive while this site's viewers,
 * MJPEG readers or recorder want them (demand leases, leases.ts), their state once a second, and
 * input and commands for them go to their node by NATS request/reply. It also runs this node's
 * exporter (exporter.ts), so starting it is all a site does to join the cluster.
 *
 * When the bus goes away: one log line, one `event` to viewers, remote envs leave the table
 * (they cannot be served), own envs go on; when it is back: the reverse, and announcements and
 * leases go out at once.
 */
import { demandFor } from '../hub/demand.js';
import type { Logger } from '../log.js';
import { parseWrapperMessage } from '../map/wrapper-message.js';
import { ErrorCode, EventCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import { progressValues } from '../protocol/fields.js';
import type { Button, EventMessage, GameState, RemoteCommandMessage, RemoteInputMessage } from '../protocol/messages.js';
import { encodeRecord } from '../protocol/record.js';
import type { ControlPolicy } from '../server/control.js';
import type { EnvNumbers, EnvSource, SiteContext, SourceEnv } from '../sources/source.js';
import { PUBLISHED_CAN } from '../sources/source.js';
import { decodeCluster, decodeFrame, encodeCluster } from './codec.js';
import type { Bus } from './connection.js';
import { Exporter, fromOtherNodes } from './exporter.js';
import { LEASE_RENEW_MS, leaseKey, leasesByNode } from './leases.js';
import { NodeTable } from './node-table.js';
import { RateMeter } from './rate-meter.js';
import { ownerOfSubject, subjects } from './subjects.js';

/** How long input or a command waits for the owning node. */
export const REMOTE_REQUEST_MS = 2000;
/** How often demand is looked at (a lease changes at once when it does; it is renewed every LEASE_RENEW_MS). */
const DEMAND_EVERY_MS = 200;
const EXPIRE_EVERY_MS = 500;

export interface ClusterSourceOptions {
  bus: Bus;
  node: string;
  /** The first id of remote envs (after every id this site's own sources can take). */
  firstEnv: number;
  /** This site's control policy: decides remote input for its envs, and its token travels with its viewers' input. */
  control: ControlPolicy;
  /** The stream's fps (what leases ask at most). */
  fps: number;
  log: Logger;
  now?: () => number;
  /** Announcement period (tests shorten it). */
  everyMs?: number;
}

interface RemoteState {
  env: number;
  frame: number;
  ts: number;
  state: GameState;
}

export class ClusterSource implements EnvSource {
  readonly kind = 'cluster';
  readonly can = PUBLISHED_CAN;
  readonly exporter: Exporter;
  readonly #o: ClusterSourceOptions;
  readonly #now: () => number;
  readonly #table: NodeTable;
  readonly #states = new Map<number, RemoteState>();
  readonly #frames = new Map<number, RateMeter>();
  readonly #stateRates = new Map<number, RateMeter>();
  /** Frame subscriptions held: `node.env` → unsubscribe. */
  readonly #frameSubs = new Map<string, () => void>();
  /** Lease last sent to each node, and when. */
  readonly #sent = new Map<string, { key: string; at: number }>();
  #site: SiteContext | undefined;
  #unsubs: Array<() => void> = [];
  #timers: NodeJS.Timeout[] = [];
  #closing: Promise<void> | undefined;
  #clashed = false;
  /** When this node last asked each node for its table. */
  readonly #asked = new Map<string, number>();

  constructor(o: ClusterSourceOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#table = new NodeTable(o.firstEnv);
    this.exporter = new Exporter({ bus: o.bus, node: o.node, remoteFirst: o.firstEnv, control: o.control, log: o.log, now: this.#now, everyMs: o.everyMs });
  }

  get node(): string {
    return this.#o.node;
  }

  envs(): SourceEnv[] {
    return this.#table.envs().map(({ ownerEnv: _, ...e }) => e);
  }

  slots(): number {
    return this.#table.slots();
  }

  /** Other nodes known now. */
  nodes(): string[] {
    return this.#table.nodes().map((n) => n.node);
  }

  start(site: SiteContext): void {
    this.#site = site;
    const { bus } = this.#o;
    this.#unsubs.push(
      bus.subscribe(subjects.node, (data) => this.#announced(data)),
      bus.subscribe(subjects.allStates, (data, subject) => this.#statesOf(data, ownerOfSubject(subject))),
      bus.subscribe(subjects.allWrappers, (data, subject) => this.#wrapper(data, ownerOfSubject(subject))),
      bus.subscribe(subjects.allProgress, (data, subject) => this.#progressOf(data, ownerOfSubject(subject))),
    );
    bus.onChange((up) => this.#busChanged(up));
    this.exporter.start(site.whole);
    this.#timers.push(setInterval(() => this.#demand(), DEMAND_EVERY_MS), setInterval(() => this.#expire(), EXPIRE_EVERY_MS));
    for (const t of this.#timers) t.unref();
    site.log.info({ node: this.#o.node, cluster: bus.where, remoteFirst: this.#o.firstEnv }, 'joined the cluster');
  }

  #announced(data: Uint8Array): void {
    try {
      const m = decodeCluster(data, 'node');
      if (m.node === this.#o.node) {
        if (m.instance !== undefined && m.instance !== this.exporter.instance && !this.#clashed) {
          this.#clashed = true;
          this.#o.log.error({ node: m.node }, `cluster: another process announces the node name "${m.node}" too; input and commands may reach either (give each node its own --node)`);
        }
        return;
      }
      // A node not seen before: tell it this node's table now rather than at the next change; a
      // node heard only by heartbeat (its table was lost): ask it for its table; asked: answer.
      const now = this.#now();
      if (!m.bye && !this.#table.knows(m.node)) {
        if (m.envs !== undefined) this.exporter.announce(true);
        else if (now - (this.#asked.get(m.node) ?? -Infinity) >= 1000) {
          this.#asked.set(m.node, now);
          this.exporter.announce(true, false, [m.node]);
        }
      }
      if (m.want?.includes(this.#o.node)) this.exporter.announce(true);
      if (this.#table.announce(m, now)) this.#changed(m.bye ? `node ${m.node} left` : `node ${m.node} announced ${m.envs?.length ?? 0} env(s)`);
    } catch (err) {
      this.#o.log.debug({ err }, 'cluster: bad announcement skipped');
    }
  }

  #expire(): void {
    const gone = this.#table.expire(this.#now());
    if (gone.length) {
      this.#o.log.warn({ nodes: gone }, 'cluster: node(s) went silent; their envs are gone');
      this.#changed(`node(s) ${gone.join(', ')} went silent`);
    }
  }

  #changed(message: string): void {
    const listed = new Set(this.#table.envs().map((e) => e.env));
    for (const env of this.#states.keys()) if (!listed.has(env)) this.#states.delete(env);
    this.#demand();
    // The site puts every source's envs in this event (site-view.ts withSiteEnvs).
    this.#site?.sink.event({ type: 'event', ts: this.#now(), level: 'info', code: EventCode.EnvsChanged, message, envs: [], count: 0 });
  }

  #busChanged(up: boolean): void {
    const site = this.#site;
    if (!site) return;
    const where = this.#o.bus.where;
    if (up) {
      site.log.info({ cluster: where }, 'cluster: NATS is back; rejoining');
      this.exporter.announce(true);
      this.#sent.clear();
    } else {
      site.log.warn({ cluster: where }, 'cluster: NATS is gone; serving this node\'s own envs until it is back');
      if (this.#table.clear(this.#now())) this.#changed('the cluster is unreachable: remote envs are gone');
    }
    const event: EventMessage = up
      ? { type: 'event', ts: this.#now(), level: 'info', code: EventCode.ClusterUp, message: `the cluster (${where}) is back: other nodes' envs return` }
      : { type: 'event', ts: this.#now(), level: 'warn', code: EventCode.ClusterDown, message: `the cluster (${where}) is unreachable: only this node's own envs are served until it is back` };
    site.sink.event(event);
  }

  /** Works out which remote envs this site wants, sends leases that changed or are due, and (un)subscribes their frames. */
  #demand(): void {
    const site = this.#site;
    if (!site) return;
    const remote = this.#table.envs();
    const fps = demandFor(remote.map((e) => e.env), site.demand(this.#o.fps));
    const wanted = remote.map((e, i) => ({ node: e.node, ownerEnv: e.ownerEnv, fps: fps[i] ?? 0 }));
    const byNode = leasesByNode(wanted);
    const now = this.#now();
    const nodes = new Set([...byNode.keys(), ...this.#sent.keys()]);
    for (const node of nodes) {
      const envs = byNode.get(node) ?? [];
      const key = leaseKey(envs);
      const last = this.#sent.get(node);
      if (last && last.key === key && (key === '' || now - last.at < LEASE_RENEW_MS)) continue;
      this.#o.bus.publish(subjects.lease(node), encodeCluster({ type: 'lease', node: this.#o.node, ts: now, envs }));
      if (key === '') this.#sent.delete(node);
      else this.#sent.set(node, { key, at: now });
    }
    const want = new Set(wanted.filter((w) => w.fps > 0).map((w) => `${w.node}.${w.ownerEnv}`));
    for (const [k, unsub] of this.#frameSubs) {
      if (!want.has(k)) {
        unsub();
        this.#frameSubs.delete(k);
      }
    }
    for (const k of want) {
      if (this.#frameSubs.has(k)) continue;
      const dot = k.lastIndexOf('.');
      const node = k.slice(0, dot);
      const ownerEnv = Number(k.slice(dot + 1));
      this.#frameSubs.set(k, this.#o.bus.subscribe(subjects.frame(node, ownerEnv), (data) => this.#frame(data, node, ownerEnv)));
    }
  }

  #frame(data: Uint8Array, node: string, ownerEnv: number): void {
    const id = this.#table.idOf(node, ownerEnv);
    const site = this.#site;
    if (id === undefined || !site) return;
    try {
      const message = { ...decodeFrame(data), env: id };
      (this.#frames.get(id) ?? this.#frames.set(id, new RateMeter()).get(id)!).add(this.#now());
      site.sink.frame(encodeRecord(message), message);
    } catch (err) {
      this.#o.log.debug({ err, node }, 'cluster: bad frame skipped');
    }
  }

  #statesOf(data: Uint8Array, owner: string): void {
    if (owner === this.#o.node) return;
    try {
      const m = decodeCluster(data, 'nstates');
      const now = this.#now();
      for (const s of m.envs) {
        const id = typeof s?.env === 'number' ? this.#table.idOf(owner, s.env) : undefined;
        if (id === undefined || typeof s.state !== 'object' || s.state === null) continue;
        this.#states.set(id, { env: id, frame: Number(s.frame) || 0, ts: Number(s.ts) || 0, state: s.state });
        (this.#stateRates.get(id) ?? this.#stateRates.set(id, new RateMeter()).get(id)!).add(now);
      }
    } catch (err) {
      this.#o.log.debug({ err, node: owner }, 'cluster: bad states skipped');
    }
  }

  #wrapper(data: Uint8Array, owner: string): void {
    if (owner === this.#o.node) return;
    try {
      const m = decodeCluster(data, 'nwrapper');
      const parsed = parseWrapperMessage(m.text);
      if (!parsed.ok) return;
      fromOtherNodes.add(parsed.message);
      this.#site?.wrapper(parsed.message);
    } catch (err) {
      this.#o.log.debug({ err, node: owner }, 'cluster: bad StreamWrapper message skipped');
    }
  }

  #progressOf(data: Uint8Array, owner: string): void {
    if (owner === this.#o.node) return;
    try {
      const m = decodeCluster(data, 'nprogress');
      // The rule every other way in has (agents, publishers, POST /api/progress): 1–64 finite numbers, short names.
      const parsed = progressValues.safeParse(m.values);
      if (!parsed.success) throw new Error(`progress from node ${owner}: ${parsed.error.issues[0]?.message ?? 'not 1–64 named numbers'}`);
      const values = parsed.data;
      fromOtherNodes.add(values);
      this.#site?.progress(values, `${owner}/${m.source}`);
    } catch (err) {
      this.#o.log.debug({ err, node: owner }, 'cluster: bad progress skipped');
    }
  }

  input(env: number, buttons: readonly Button[], frames: number): Promise<void> {
    return this.#request(env, (node, ownerEnv, token) => ({ type: 'rinput', node, env: ownerEnv, buttons: [...buttons], frames, ...(token && { token }) }));
  }

  command(env: number, name: string, args: Record<string, unknown>): Promise<void> {
    return this.#request(env, (node, ownerEnv, token) => ({ type: 'rcommand', node, env: ownerEnv, name, args, ...(token && { token }) }));
  }

  async #request(env: number, make: (node: string, ownerEnv: number, token: string | undefined) => RemoteInputMessage | RemoteCommandMessage): Promise<void> {
    const remote = this.#table.get(env);
    if (!remote) throw new GbsError(ErrorCode.NoSuchEnv, `no env ${env}: its node left the cluster`);
    // The credential: this node's token, which the viewer proved it knows (none when this node is open).
    const token = this.#o.control.mode === 'token' ? this.#o.control.token : undefined;
    let answer: Uint8Array;
    try {
      answer = await this.#o.bus.request(subjects.ctl(remote.node), encodeCluster(make(this.#o.node, remote.ownerEnv, token)), REMOTE_REQUEST_MS);
    } catch (err) {
      throw new GbsError(ErrorCode.Timeout, `env ${env} (node ${remote.node}) did not answer: ${(err as Error).message}`);
    }
    const reply = decodeCluster(answer, 'rreply');
    if (!reply.ok) throw new GbsError((reply.code ?? ErrorCode.Internal) as ErrorCode, `node ${remote.node}: ${reply.message ?? 'refused'}`);
  }

  stats(): EnvNumbers[] {
    const now = this.#now();
    return this.#table.envs().map((e) => {
      const frames = this.#frames.get(e.env);
      return { env: e.env, fps: frames?.rate(now) ?? 0, emuFps: this.#stateRates.get(e.env)?.rate(now) ?? 0, speed: 0, published: frames?.total ?? 0 };
    });
  }

  states(): RemoteState[] {
    return [...this.#states.values()];
  }

  health(): Record<string, unknown> {
    return {
      cluster: {
        node: this.#o.node,
        up: this.#o.bus.up,
        nodes: this.#table.nodes().map((n) => ({ node: n.node, site: n.site, rom: n.rom.title, core: n.core, map: n.map, envs: n.envs.length })),
        remoteEnvs: this.#table.envs().length,
        leasedToOthers: this.exporter.leases.holders(this.#now()),
        framesOut: this.exporter.framesSent,
        frameBytesOut: this.exporter.frameBytes,
      },
    };
  }

  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      for (const t of this.#timers) clearInterval(t);
      this.exporter.close();
      for (const u of [...this.#unsubs, ...this.#frameSubs.values()]) u();
      this.#frameSubs.clear();
      this.#site = undefined;
      await this.#o.bus.close();
    })());
  }
}
