/**
 * Turns the map model into `positions` records on a timer: the agents that moved (and those
 * forgotten), every `intervalMs`, to viewers and the recorder; a `full` record to each joining
 * viewer, cut to a byte budget and encoded once for every viewer that joins before the map
 * changes; and a whole `full` keyframe into the recording every `keyframeMs`, so a replay that
 * seeks has the whole map again within that time. Knows no sockets: records leave through the
 * callbacks.
 */
import type { FrameMessage, GameState, PositionsMessage } from '../protocol/messages.js';
import { encodeRecord } from '../protocol/record.js';
import type { PositionSpec } from '../state/memory-map.js';
import type { MapLayout } from './layout.js';
import { MapPositions, TRAIL_POINTS } from './positions.js';
import type { WrapperMessage } from './wrapper-message.js';

/** 4 records a second: smooth enough for dots that move a cell at a time, cheap for 288 agents. */
export const MAP_UPDATE_MS = 250;
export const MAP_KEYFRAME_MS = 10_000;
/**
 * A joining viewer's snapshot at most (the site passes the socket policy's `welcomeBytes`). A
 * whole map of 4,096 agents with 64-point trails and a heatmap of every visited cell is several
 * MB, sent to anyone who opens /ws.
 */
export const MAP_WELCOME_BYTES = 512 * 1024;
/** Trail points a snapshot that must be cut keeps per agent (a viewer's trails regrow in seconds). */
export const CUT_TRAIL_POINTS = 8;

/**
 * A `full` record's size, roughly (msgpack): an agent's fields (~50 bytes for short labels, more
 * with long ones; 100 leaves room), 2 coordinates of ≤ 3 bytes per trail point, 3 numbers of 7
 * bytes in all per visited cell (coordinates under 65,536, counts under 128).
 */
function estimateBytes(agents: number, trailPoints: number, cells: number): number {
  return 200 + agents * (100 + trailPoints * 6) + cells * 7;
}

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
  /** Largest snapshot a joining viewer gets, bytes (default MAP_WELCOME_BYTES). */
  welcomeBytes?: number;
  now?: () => number;
}

export class MapFeed {
  readonly positions: MapPositions;
  readonly #o: MapFeedOptions;
  #timer: NodeJS.Timeout | undefined;
  #keyframeAt = 0;
  readonly #placedTs = new Map<number, number>();
  #snapshot: { version: number; bytes: Uint8Array } | undefined;
  /** Snapshots encoded so far (each shared by the viewers that joined before the next change). */
  snapshotsEncoded = 0;

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
   * What a joining viewer gets after hello: the map as one encoded `full` record of at most
   * `welcomeBytes`, when there is anything on it. The same bytes go to every viewer that joins
   * until the map changes (one encoding, one buffer, however many connect). Flushes first, so
   * points pending now are not sent to it twice (in the full record and the next update).
   */
  welcome(): Uint8Array[] {
    this.flush();
    if (this.positions.size === 0) return [];
    const version = this.positions.version;
    if (this.#snapshot?.version !== version) {
      this.#snapshot = { version, bytes: encodeSnapshot(this.positions, this.#o.welcomeBytes ?? MAP_WELCOME_BYTES) };
      this.snapshotsEncoded++;
    }
    return [this.#snapshot.bytes];
  }
}

/**
 * The map as one encoded `full` record of at most `budget` bytes: whole when it fits; else trails
 * cut to CUT_TRAIL_POINTS, then the newest agents and the most visited cells in proportion to
 * what fits (a record's size is nearly linear in both), marked `truncated`. Pure.
 */
export function encodeSnapshot(positions: Pick<MapPositions, 'full' | 'size' | 'cells'>, budget: number): Uint8Array {
  let agents = positions.size;
  let cells = positions.cells;
  // Encoding MBs takes ~100 ms here: start from an estimate, so a map far over the budget costs
  // an encoding or two of about the budget, not the whole map and then the cuts.
  if (estimateBytes(agents, TRAIL_POINTS, cells) <= budget * 2) {
    const whole = encodeRecord(positions.full());
    if (whole.byteLength <= budget) return whole;
  }
  let size = estimateBytes(agents, CUT_TRAIL_POINTS, cells);
  let fits: Uint8Array | undefined;
  for (let i = 0; i < 12; i++) {
    // 0.9: aim a little under, so the next try fits instead of landing just over.
    const scale = (budget / size) * 0.9;
    agents = Math.min(positions.size, Math.floor(agents * scale));
    cells = Math.min(positions.cells, Math.floor(cells * scale));
    const cut = encodeRecord(positions.full({ agents, cells, trailPoints: CUT_TRAIL_POINTS }));
    const all = agents === positions.size && cells === positions.cells;
    if (cut.byteLength <= budget) {
      // The estimate is on the safe side: one more try when this uses under ¾ of the budget.
      if (fits || all || cut.byteLength >= budget * 0.75) return cut;
      fits = cut;
    } else if (fits) return fits;
    size = cut.byteLength;
  }
  // A budget under even an empty record: the empty one (the layout and no agents).
  return fits ?? encodeRecord(positions.full({ agents: 0, cells: 0, trailPoints: 0 }));
}
