/**
 * The other nodes of the cluster and their envs, from their announcements, each forgotten a few
 * announcement periods after its last (a node killed with -9 says nothing). Pure bookkeeping:
 * no NATS, time passed in.
 *
 * Numbering: a remote env gets a site id from `firstEnv` up (the site puts `firstEnv` after every
 * id its own sources can take: local envs, then the publishers' whole range). The id sticks to
 * (node, owner's id): a node that goes and comes back gets the same ids, so viewers, recordings
 * and links keep one numbering. Ids stay below `firstEnv + maxEnvs`; when that range is full, the
 * slot of the longest-gone node is reused.
 */
import type { ClusterEnv, EnvCapabilities, NodeAnnounce } from '../protocol/messages.js';
import type { SourceEnv } from '../sources/source.js';

/** Remote env slots one node holds at most (the viewer shows ids below 4,096). */
export const DEFAULT_MAX_REMOTE_ENVS = 2048;
/** A node is forgotten after this many announcement periods without one (and at least EXPIRE_MIN_MS). */
export const EXPIRE_PERIODS = 3;
export const EXPIRE_MIN_MS = 2000;

/** A remote env as the site sees it, and where it lives. */
export interface RemoteEnv extends SourceEnv {
  node: string;
  /** Its id on its node. */
  ownerEnv: number;
}

interface Seen {
  announce: NodeAnnounce & { envs: ClusterEnv[] };
  at: number;
}

const REMOTE_CAN = (can: EnvCapabilities): EnvCapabilities => ({ input: can.input, emulatorSpeed: false, seek: false });

export class NodeTable {
  readonly #firstEnv: number;
  readonly #maxEnvs: number;
  readonly #nodes = new Map<string, Seen>();
  /** `node\0ownerEnv` → site id, in the order slots were made. */
  readonly #ids = new Map<string, number>();
  /** Site id → when its node was last listed (to reuse the longest-gone slot). */
  readonly #lastListed = new Map<number, number>();
  #list: RemoteEnv[] = [];
  #byId = new Map<number, RemoteEnv>();

  constructor(firstEnv: number, maxEnvs = DEFAULT_MAX_REMOTE_ENVS) {
    this.#firstEnv = firstEnv;
    this.#maxEnvs = maxEnvs;
  }

  /**
   * Takes an announcement; true when the env list changed. A `bye` forgets the node. One without
   * envs (a heartbeat) only keeps a known node alive: an unknown one is listed once its envs come.
   */
  announce(m: NodeAnnounce & { envs?: unknown }, now: number): boolean {
    if (m.bye) return this.forget(m.node, now);
    const before = this.#nodes.get(m.node);
    if (!Array.isArray(m.envs)) {
      if (before) before.at = now;
      return false;
    }
    const full = m as NodeAnnounce & { envs: ClusterEnv[] };
    this.#nodes.set(m.node, { announce: full, at: now });
    if (before && sameEnvs(before.announce, full)) return false;
    this.#rebuild(now);
    return true;
  }

  /** Whether `node` is listed (its envs are known). */
  knows(node: string): boolean {
    return this.#nodes.has(node);
  }

  /** Forgets a node now; true when it was known. */
  forget(node: string, now: number): boolean {
    if (!this.#nodes.delete(node)) return false;
    this.#rebuild(now);
    return true;
  }

  /** Forgets nodes silent for too long; returns their names. */
  expire(now: number): string[] {
    const gone = [...this.#nodes].filter(([, s]) => now - s.at > Math.max(EXPIRE_MIN_MS, EXPIRE_PERIODS * s.announce.everyMs)).map(([node]) => node);
    for (const node of gone) this.#nodes.delete(node);
    if (gone.length) this.#rebuild(now);
    return gone;
  }

  /** Forgets every node (the bus is gone). True when some were known. */
  clear(now: number): boolean {
    if (this.#nodes.size === 0) return false;
    this.#nodes.clear();
    this.#rebuild(now);
    return true;
  }

  envs(): readonly RemoteEnv[] {
    return this.#list;
  }

  get(id: number): RemoteEnv | undefined {
    return this.#byId.get(id);
  }

  /** The site id of `node`'s env `ownerEnv`, while listed. */
  idOf(node: string, ownerEnv: number): number | undefined {
    const id = this.#ids.get(key(node, ownerEnv));
    return id !== undefined && this.#byId.get(id)?.node === node ? id : undefined;
  }

  /** Highest listed id + 1 (0 when none). */
  slots(): number {
    return this.#list.length ? this.#list[this.#list.length - 1]!.env + 1 : 0;
  }

  nodes(): Array<NodeAnnounce & { envs: ClusterEnv[] }> {
    return [...this.#nodes.values()].map((s) => s.announce);
  }

  #rebuild(now: number): void {
    const list: RemoteEnv[] = [];
    const listed = new Set<number>();
    for (const [node, { announce }] of this.#nodes) {
      for (const e of announce.envs) {
        const id = this.#slot(node, e.env, listed);
        if (id === undefined) continue;
        listed.add(id);
        this.#lastListed.set(id, now);
        list.push({ env: id, label: `${node}/${e.label}`, source: 'remote', node, ownerEnv: e.env, live: e.live, width: e.width, height: e.height, can: REMOTE_CAN(e.can) });
      }
    }
    list.sort((a, b) => a.env - b.env);
    this.#list = list;
    this.#byId = new Map(list.map((e) => [e.env, e]));
  }

  #slot(node: string, ownerEnv: number, listed: ReadonlySet<number>): number | undefined {
    const k = key(node, ownerEnv);
    const known = this.#ids.get(k);
    if (known !== undefined && !listed.has(known)) return known;
    if (this.#ids.size < this.#maxEnvs) {
      const id = this.#firstEnv + this.#ids.size;
      this.#ids.set(k, id);
      return id;
    }
    // Full: the slot whose node was listed longest ago (and is not listed now) changes hands.
    let oldest: [string, number] | undefined;
    for (const [k2, id] of this.#ids) {
      if (listed.has(id) || this.#listedNow(id)) continue;
      if (!oldest || (this.#lastListed.get(id) ?? 0) < (this.#lastListed.get(oldest[1]) ?? 0)) oldest = [k2, id];
    }
    if (!oldest) return undefined;
    this.#ids.delete(oldest[0]);
    this.#ids.set(k, oldest[1]);
    return oldest[1];
  }

  /** Whether a node still announced holds `id` (it will be listed later in this rebuild). */
  #listedNow(id: number): boolean {
    for (const [k, v] of this.#ids) {
      if (v !== id) continue;
      const node = k.slice(0, k.indexOf('\0'));
      const env = Number(k.slice(k.indexOf('\0') + 1));
      return this.#nodes.get(node)?.announce.envs.some((e) => e.env === env) ?? false;
    }
    return false;
  }
}

function key(node: string, env: number): string {
  return `${node}\0${env}`;
}

function sameEnvs(a: { envs: ClusterEnv[] }, b: { envs: ClusterEnv[] }): boolean {
  if (a.envs.length !== b.envs.length) return false;
  return a.envs.every((e, i) => {
    const f = b.envs[i]!;
    return e.env === f.env && e.label === f.label && e.live === f.live && e.width === f.width && e.height === f.height && e.can.input === f.can.input;
  });
}
