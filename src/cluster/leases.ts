/**
 * Demand across nodes as renewable leases. A node whose viewers, MJPEG readers or recorder want
 * frames of another node's envs sends that node a `lease` (env → fps) every LEASE_RENEW_MS, and
 * at once when what it wants changes; the owner publishes an env's frames only while some
 * unexpired lease wants it, at the highest fps asked. A lease not renewed within LEASE_EXPIRE_MS
 * lapses (its node died or lost the bus), so frames stop without anyone saying so.
 * Pure: no NATS, time passed in.
 */
import type { Subscription } from '../hub/demand.js';

export const LEASE_RENEW_MS = 1000;
export const LEASE_EXPIRE_MS = 3000;

interface Held {
  envs: Map<number, number>;
  until: number;
}

/** The owner's side: leases other nodes hold on its envs. */
export class LeaseBook {
  readonly #byNode = new Map<string, Held>();

  /** Takes (or replaces) `node`'s lease. An empty one releases it. */
  take(node: string, envs: ReadonlyArray<readonly [number, number]>, now: number): void {
    const wanted = new Map(envs.filter(([, fps]) => fps > 0).map(([env, fps]) => [env, fps] as const));
    if (wanted.size === 0) this.#byNode.delete(node);
    else this.#byNode.set(node, { envs: wanted, until: now + LEASE_EXPIRE_MS });
  }

  #live(now: number): Held[] {
    for (const [node, held] of this.#byNode) if (held.until <= now) this.#byNode.delete(node);
    return [...this.#byNode.values()];
  }

  /** The fps wanted of `env` now (0: nobody). */
  fps(env: number, now: number): number {
    let fps = 0;
    for (const held of this.#live(now)) fps = Math.max(fps, held.envs.get(env) ?? 0);
    return fps;
  }

  /** Nodes holding a lease now. */
  holders(now: number): number {
    return this.#live(now).length;
  }

  /**
   * The leases as subscriptions, for the site's demand (so a publisher on this node sends pixels
   * of an env a viewer on another node watches): one per node and fps.
   */
  subscriptions(now: number): Subscription[] {
    const out: Subscription[] = [];
    for (const held of this.#live(now)) {
      const byFps = new Map<number, Set<number>>();
      for (const [env, fps] of held.envs) {
        let set = byFps.get(fps);
        if (!set) byFps.set(fps, (set = new Set()));
        set.add(env);
      }
      for (const [fps, envs] of byFps) out.push({ envs, maxFps: fps });
    }
    return out;
  }
}

/** Whether a frame of an env last sent at `last` may go now at `fps` (a little early is fine: frames come on a tick). */
export function frameDue(last: number | undefined, now: number, fps: number): boolean {
  if (fps <= 0) return false;
  return last === undefined || now - last >= 1000 / fps - 1000 / fps / 4;
}

/** The demander's side: what to ask each node for, from per-env fps keyed by (node, owner id). */
export function leasesByNode(wanted: Iterable<{ node: string; ownerEnv: number; fps: number }>): Map<string, Array<[number, number]>> {
  const out = new Map<string, Array<[number, number]>>();
  for (const { node, ownerEnv, fps } of wanted) {
    if (fps <= 0) continue;
    let list = out.get(node);
    if (!list) out.set(node, (list = []));
    list.push([ownerEnv, fps]);
  }
  return out;
}

/** A stable text of one node's lease, to tell when it changed. */
export function leaseKey(envs: ReadonlyArray<readonly [number, number]> | undefined): string {
  return envs ? envs.map(([e, f]) => `${e}:${f}`).join(',') : '';
}
