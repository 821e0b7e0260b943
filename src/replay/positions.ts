/**
 * The Map view as a recording says it is at the playback position, for a replay's `GET /api/map`:
 * built from the recorded `positions` records as they are played (a `full` keyframe replaces
 * everything; an update moves its agents and counts the points they visited). After a seek the
 * model is cleared; the recording's next `full` keyframe (every 10 s) brings it back whole.
 */
import type { MapAgentUpdate, PositionsMessage } from '../protocol/messages.js';

/** Trail points kept per agent, as the live model keeps them. */
export const RECORDED_TRAIL_POINTS = 64;

export interface RecordedMapJson {
  layout: PositionsMessage['layout'];
  agents: Array<Omit<MapAgentUpdate, 'path'> & { trail: Array<[number, number]> }>;
  visits: { cells: Array<[number, number, number]>; max: number };
}

export class RecordedPositions {
  #layout: PositionsMessage['layout'] | undefined;
  readonly #agents = new Map<string, { agent: Omit<MapAgentUpdate, 'path'>; trail: number[] }>();
  readonly #visits = new Map<string, number>();

  /** Applies one played `positions` record. */
  apply(message: PositionsMessage): void {
    this.#layout = message.layout;
    if (message.full) {
      this.clear();
      const v = message.visits ?? [];
      for (let i = 0; i + 2 < v.length; i += 3) this.#visits.set(`${v[i]},${v[i + 1]}`, v[i + 2]!);
    }
    // Agents the live server forgot: gone before `agents`, which may bring one back.
    for (const id of message.removed ?? []) this.#agents.delete(id);
    for (const { path, ...agent } of message.agents) {
      const held = this.#agents.get(agent.id) ?? { agent, trail: [] };
      held.agent = agent;
      held.trail.push(...path);
      if (held.trail.length > RECORDED_TRAIL_POINTS * 2) held.trail.splice(0, held.trail.length - RECORDED_TRAIL_POINTS * 2);
      this.#agents.set(agent.id, held);
      if (message.full) continue; // a keyframe's trail is history, already in its visit counts
      for (let i = 0; i + 1 < path.length; i += 2) {
        const cell = `${path[i]},${path[i + 1]}`;
        this.#visits.set(cell, (this.#visits.get(cell) ?? 0) + 1);
      }
    }
  }

  clear(): void {
    this.#agents.clear();
    this.#visits.clear();
  }

  /** The body of `GET /api/map`, in the live model's shape; undefined before any record was played. */
  json(): RecordedMapJson | undefined {
    if (!this.#layout) return undefined;
    const cells: Array<[number, number, number]> = [];
    let max = 0;
    for (const [cell, n] of this.#visits) {
      const [x, y] = cell.split(',').map(Number) as [number, number];
      cells.push([x, y, n]);
      max = Math.max(max, n);
    }
    const agents = [...this.#agents.values()].map(({ agent, trail }) => ({ ...agent, trail: Array.from({ length: trail.length >> 1 }, (_, k) => [trail[2 * k]!, trail[2 * k + 1]!] as [number, number]) }));
    return { layout: this.#layout, agents, visits: { cells, max } };
  }
}
