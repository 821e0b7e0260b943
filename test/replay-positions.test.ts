/** A replay's Map view model (src/replay/positions.ts): keyframes replace, updates move and count visits. */
import { describe, expect, it } from 'vitest';
import type { MapAgentUpdate, PositionsMessage } from '../src/protocol/messages.js';
import { RECORDED_TRAIL_POINTS, RecordedPositions } from '../src/replay/positions.js';

const layout = { name: 'kanto-map-layout', width: 436, height: 444 };
const agent = (id: string, gx: number, path: number[]): MapAgentUpdate => ({ id, envId: 0, label: id, color: '#ff0000', map: 0, x: gx, y: 1, gx, gy: 1, path, updatedAt: 0 });
const rec = (agents: MapAgentUpdate[], extra: Partial<PositionsMessage> = {}): PositionsMessage => ({ type: 'positions', ts: 0, layout, agents, ...extra });

describe('RecordedPositions', () => {
  it('is empty (404 at /api/map) until a record was played', () => {
    expect(new RecordedPositions().json()).toBeUndefined();
  });

  it('moves agents and counts the points of updates; a full keyframe replaces everything', () => {
    const m = new RecordedPositions();
    m.apply(rec([agent('a', 2, [1, 1, 2, 1])]));
    m.apply(rec([agent('a', 3, [2, 1, 3, 1])]));
    let j = m.json()!;
    expect(j.agents).toHaveLength(1);
    expect(j.agents[0]).toMatchObject({ id: 'a', gx: 3, trail: [[1, 1], [2, 1], [2, 1], [3, 1]] });
    expect(j.visits).toEqual({ cells: [[1, 1, 1], [2, 1, 2], [3, 1, 1]], max: 2 });

    m.apply(rec([agent('b', 9, [9, 1])], { full: true, visits: [9, 1, 5] }));
    j = m.json()!;
    expect(j.agents.map((a) => a.id)).toEqual(['b']);
    expect(j.visits).toEqual({ cells: [[9, 1, 5]], max: 5 });
  });

  it('keeps a bounded trail per agent, and clear() forgets (a seek)', () => {
    const m = new RecordedPositions();
    for (let i = 0; i < RECORDED_TRAIL_POINTS + 10; i++) m.apply(rec([agent('a', i, [i, 1])]));
    expect(m.json()!.agents[0]!.trail).toHaveLength(RECORDED_TRAIL_POINTS);
    m.clear();
    expect(m.json()!.agents).toEqual([]);
  });
});
