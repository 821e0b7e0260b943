/**
 * The env slots of a server whose envs come and go: its own (local) envs first, then published
 * ones. A slot keeps its id and label after its publisher leaves (`live: false`), so a trainer
 * that reconnects and announces the same labels gets the same env ids back, and viewers, the
 * recorder and HTTP readers keep one numbering. Pure bookkeeping: no sockets, no clock.
 */
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import { LOCAL_CAN, PUBLISHED_CAN } from '../protocol/capabilities.js';
import type { EnvInfo } from '../protocol/messages.js';

/** Published envs one server holds at most, live or gone, by default. */
export const DEFAULT_MAX_PUBLISHED_ENVS = 1024;
/** Envs one publisher may announce: a whole default hub (trainers run 16–1,024 envs). */
export const MAX_ENVS_PER_PUBLISHER = 1024;

interface Slot extends EnvInfo {
  /** The publisher that owns a live published slot. */
  owner: number | undefined;
  /** Order of release, to reuse the longest-gone slot first when the table is full. */
  goneAt: number;
}

export class EnvTable {
  readonly #slots: Slot[] = [];
  readonly #local: number;
  readonly #maxPublished: number;
  #releases = 0;

  /** @param local the server's own envs, ids 0..local.length-1 */
  constructor(local: readonly Omit<EnvInfo, 'env'>[], maxPublished = DEFAULT_MAX_PUBLISHED_ENVS) {
    this.#local = local.length;
    this.#maxPublished = maxPublished;
    local.forEach((info, env) => this.#slots.push({ ...info, env, owner: undefined, goneAt: 0 }));
  }

  /** Env slots: highest id + 1. */
  get count(): number {
    return this.#slots.length;
  }

  get(env: number): EnvInfo | undefined {
    return this.#slots[env];
  }

  list(): EnvInfo[] {
    return this.#slots.map(({ env, label, source, live, width, height }) => ({ env, label, source, live, width, height, can: source === 'local' ? LOCAL_CAN : PUBLISHED_CAN }));
  }

  /** Live published envs. */
  livePublished(): number {
    return this.#slots.filter((s) => s.source === 'published' && s.live).length;
  }

  /**
   * Gives publisher `owner` one slot per label: the gone slot with the same label when there is
   * one, else a new slot, else (table full) the longest-gone slot.
   * @throws GbsError(TooManyEnvs) when the publisher asks for more than MAX_ENVS_PER_PUBLISHER or
   *   the table cannot hold them; nothing is claimed then.
   */
  claim(owner: number, labels: readonly string[], width: number, height: number): number[] {
    if (labels.length > MAX_ENVS_PER_PUBLISHER) {
      throw new GbsError(ErrorCode.TooManyEnvs, `a publisher may announce at most ${MAX_ENVS_PER_PUBLISHER} envs, got ${labels.length}`);
    }
    const free = this.#maxPublished - this.#slots.filter((s) => s.source === 'published' && s.live).length;
    if (labels.length > free) {
      throw new GbsError(ErrorCode.TooManyEnvs, `this server takes at most ${this.#maxPublished} published envs; ${free} free, ${labels.length} announced`);
    }
    const ids: number[] = [];
    for (const label of labels) {
      const slot =
        this.#slots.find((s) => s.source === 'published' && !s.live && s.label === label) ??
        (this.#slots.length - this.#local < this.#maxPublished ? undefined : this.#oldestGone());
      if (slot) {
        Object.assign(slot, { label, live: true, width, height, owner });
        ids.push(slot.env);
      } else {
        const env = this.#slots.length;
        this.#slots.push({ env, label, source: 'published', live: true, width, height, owner, goneAt: 0 });
        ids.push(env);
      }
    }
    return ids;
  }

  /** Marks every slot of `owner` gone; returns their ids. */
  release(owner: number): number[] {
    const ids: number[] = [];
    const at = ++this.#releases;
    for (const slot of this.#slots) {
      if (slot.owner !== owner || !slot.live) continue;
      slot.live = false;
      slot.owner = undefined;
      slot.goneAt = at;
      ids.push(slot.env);
    }
    return ids;
  }

  #oldestGone(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.#slots) if (s.source === 'published' && !s.live && (!best || s.goneAt < best.goneAt)) best = s;
    return best;
  }
}
