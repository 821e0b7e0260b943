/**
 * Turns the map model into `positions` records on a timer: the agents that moved, every
 * `intervalMs`, to viewers and the recorder; a `full` record to each joining viewer; and a `full`
 * keyframe into the recording every `keyframeMs`, so a replay that seeks has the whole map again
 * within that time. Knows no sockets: records leave through the callbacks.
 */
import type { FrameMessage, GameState, PositionsMessage } from '../protocol/messages.js';
import type { PositionSpec } from '../state/memory-map.js';
import type { MapLayout } from './layout.js';
import { MapPositions } from './positions.js';
import type { WrapperMessage } from './wrapper-message.js';

/** 4 records a second: smooth enough for dots that move a cell at a time, cheap for 288 agents. */
export const MAP_UPDATE_MS = 250;
export const MAP_KEYFRAME_MS = 10_000;

export interface MapFeedOptions {
  layout: MapLayout;
  /** The memory map's position fields; without them frames place no agent. */
  position?: PositionSpec;
  /** To every viewer. */
  publish(message: PositionsMessage): void;
  /** To the recording (updates and keyframes). */
  record?(message: PositionsMessage): void;
  /**
   * Latest states of envs that send state without frames (a hub's publishers send state only
   * while nobody watches them): read at each flush, a state placed once per new `ts`.
   */
  states?: () => Iterable<{ env: number; ts: number; state: GameState }>;
  intervalMs?: number;
  keyframeMs?: number;
  now?: () => number;
}

export class MapFeed {
  readonly positions: MapPositions;
  readonly #o: MapFeedOptions;
  #timer: NodeJS.Timeout | undefined;
  #keyframeAt = 0;
  readonly #placedTs = new Map<number, number>();

  constructor(options: MapFeedOptions) {
    this.#o = options;
    this.positions = new MapPositions({ layout: options.layout, now: options.now });
  }

  /** Whether frames of this server carry positions (a memory map declared them). */
  get fromFrames(): boolean {
    return this.#o.position !== undefined;
  }

  start(): void {
    this.#keyframeAt = performance.now();
    this.#timer = setInterval(() => this.flush(), this.#o.intervalMs ?? MAP_UPDATE_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  frame(message: FrameMessage): void {
    if (this.#o.position) this.positions.fromFrame(message.env, message.state, this.#o.position);
  }

  #placeStates(): void {
    const { position, states } = this.#o;
    if (!position || !states) return;
    for (const { env, ts, state } of states()) {
      if (this.#placedTs.get(env) === ts) continue; // unchanged since the last flush: not a move
      this.#placedTs.set(env, ts);
      this.positions.fromFrame(env, state, position);
    }
  }

  wrapper(message: WrapperMessage): void {
    this.positions.fromWrapper(message);
  }

  /** Sends what moved since the last flush; writes a keyframe to the recording when one is due. */
  flush(): void {
    this.#placeStates();
    const update = this.positions.takeUpdate();
    if (update) {
      this.#o.publish(update);
      this.#o.record?.(update);
    }
    const now = performance.now();
    if (this.#o.record && this.positions.size > 0 && now - this.#keyframeAt >= (this.#o.keyframeMs ?? MAP_KEYFRAME_MS)) {
      this.#keyframeAt = now;
      this.#o.record(this.positions.full());
    }
  }

  /**
   * What a joining viewer gets after hello: the whole map, when there is anything on it. Flushes
   * first, so points pending now are not sent to it twice (in the full record and the next update).
   */
  welcome(): PositionsMessage[] {
    this.flush();
    return this.positions.size > 0 ? [this.positions.full()] : [];
  }
}
