/** The viewer's map model: built from positions records only, so live and replay show the same. */
import { describe, expect, it } from 'vitest';
import { parseLayout } from '../src/map/layout.js';
import { MapPositions } from '../src/map/positions.js';
import { parseWrapperMessage } from '../src/map/wrapper-message.js';
import { describeAgent, fullFromApi, MapModel, STALE_MS } from '../web/src/map-model.js';

const layout = parseLayout({ columns: ['mapId', 'name', 'x', 'y', 'width', 'height'], rows: [[-1, 'W', 0, 0, 100, 80], [0, 'Town', 10, 20, 20, 18]] }, 'small');
const send = (p: MapPositions, text: string) => {
  const r = parseWrapperMessage(text);
  if (!r.ok) throw new Error(r.reason);
  p.fromWrapper(r.message);
};

describe('viewer map model', () => {
  it('summing update paths gives the server’s visit counts, and a full record gives the same state', () => {
    let now = 1;
    const server = new MapPositions({ layout, now: () => now });
    const live = new MapModel();
    for (let k = 0; k < 5; k++) {
      send(server, JSON.stringify({ metadata: { user: 'a', extra: `k${k}` }, coords: [[k, 1, 0], [k, 2, 0], [0, 0, 0]] }));
      send(server, JSON.stringify({ metadata: { user: 'b', color: '#123456' }, coords: [[k % 2, 0, 0]] }));
      now += 1000;
      live.apply(server.takeUpdate() as unknown as Record<string, unknown>);
    }
    const expected = new Map(server.json().visits.cells.map(([gx, gy, n]) => [gy * 100 + gx, n]));
    expect(live.visits).toEqual(expected);
    const joined = new MapModel();
    joined.apply(server.full() as unknown as Record<string, unknown>);
    expect(joined.visits).toEqual(expected);
    for (const m of [live, joined]) {
      expect(m.agents.get('ws:b:')).toMatchObject({ color: '#123456', gx: 10, gy: 20 });
      expect(m.agents.get('ws:a:')).toMatchObject({ extra: 'k4', gx: 10, gy: 20 });
    }
    expect(joined.agents.get('ws:a:')!.trail).toEqual(live.agents.get('ws:a:')!.trail);
    expect(describeAgent(live.agents.get('ws:a:')!)).toBe('a — k4 — map 0 (0, 0)');
    expect(describeAgent(live.agents.get('ws:a:')!, 'Pallet Town')).toBe('a — k4 — Pallet Town (0, 0)');
  });

  it('a full record replaces what the viewer had (a replay seek lands on a keyframe)', () => {
    const m = new MapModel();
    const layoutInfo = { name: 'small', width: 100, height: 80 };
    const agent = (id: string, gx: number) => ({ id, envId: null, label: id, color: '#fff', map: 0, x: 0, y: 0, gx, gy: 1, path: [gx, 1], updatedAt: 0 });
    m.apply({ type: 'positions', ts: 0, layout: layoutInfo, agents: [agent('x', 1), agent('y', 2)] });
    m.apply({ type: 'positions', ts: 0, layout: layoutInfo, agents: [agent('z', 3)], full: true, visits: [3, 1, 7] });
    expect([...m.agents.keys()]).toEqual(['z']);
    expect([...m.visits]).toEqual([[103, 7]]);
    expect(m.maxVisits).toBe(7);
  });

  it('fades agents not heard from for a while, by record time; picks the nearest placed agent', () => {
    const m = new MapModel();
    const layoutInfo = { name: 'small', width: 100, height: 80 };
    m.apply({ type: 'positions', ts: STALE_MS + 10, layout: layoutInfo, agents: [
      { id: 'old', label: 'old', color: '#fff', map: 0, x: 0, y: 0, gx: 5, gy: 5, path: [], updatedAt: 0 },
      { id: 'new', label: 'new', color: '#fff', map: 0, x: 0, y: 0, gx: 9, gy: 5, path: [], updatedAt: STALE_MS },
      { id: 'off', label: 'off', color: '#fff', map: 9, x: 0, y: 0, gx: null, gy: null, path: [], updatedAt: STALE_MS },
    ] });
    expect(m.isStale(m.agents.get('old')!)).toBe(true);
    expect(m.isStale(m.agents.get('new')!)).toBe(false);
    expect(m.nearest(8.6, 5.4, 2)?.id).toBe('new');
    expect(m.nearest(50, 50, 2)).toBeUndefined();
  });

  it('ignores records that are not positions', () => {
    const m = new MapModel();
    m.apply({ type: 'positions', layout: { name: 'x' }, agents: [] });
    m.apply({ type: 'positions', layout: { name: 'x', width: 1, height: 1 }, agents: 'no' });
    expect(m.layout).toBeUndefined();
    expect(m.version).toBe(0);
  });

  it('the HTTP fallback’s GET api/map gives the same map as the full record', () => {
    const server = new MapPositions({ layout, now: () => 7 });
    send(server, '{"metadata": {"user": "a", "color": "#123456"}, "coords": [[1, 1, 0], [2, 1, 0], [1, 1, 0]]}');
    const fromRecord = new MapModel();
    fromRecord.apply(server.full() as unknown as Record<string, unknown>);
    const fromHttp = new MapModel();
    fromHttp.apply(fullFromApi(JSON.parse(JSON.stringify(server.json())), 7)!);
    expect(fromHttp.agents).toEqual(fromRecord.agents);
    expect(fromHttp.visits).toEqual(fromRecord.visits);
    expect(fullFromApi({ error: 'x' }, 0)).toBeUndefined();
  });
});
