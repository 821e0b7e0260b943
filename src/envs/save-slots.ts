/** Named in-memory save states of one env (the `save`/`load` commands). */
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';

/** Save slots per env; a serverboy state is ~150 KB, a libretro core's a few hundred. */
export const MAX_SLOTS = 16;

export class SaveSlots {
  readonly #slots = new Map<string, Uint8Array>();
  readonly #env: number;

  constructor(env: number) {
    this.#env = env;
  }

  /** @throws GbsError when all MAX_SLOTS are taken and `slot` is a new name. */
  set(slot: string, state: Uint8Array): void {
    if (!this.#slots.has(slot) && this.#slots.size >= MAX_SLOTS) {
      throw new GbsError(ErrorCode.BadField, `at most ${MAX_SLOTS} save slots per env; reuse one of ${[...this.#slots.keys()].join(', ')}`);
    }
    this.#slots.set(slot, state);
  }

  /** @throws GbsError when nothing was saved in `slot`. */
  get(slot: string): Uint8Array {
    const state = this.#slots.get(slot);
    if (!state) throw new GbsError(ErrorCode.BadField, `no save slot ${JSON.stringify(slot)} on env ${this.#env}`);
    return state;
  }
}
