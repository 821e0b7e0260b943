/**
 * Issue 22 item 12, the model and feed side: a joining viewer's map snapshot is cut to the socket
 * policy's budget and encoded once for every viewer that joins before the map changes; an agent
 * forgotten at the cap of agents is sent as `removed`, and viewers and replays drop it.
 */
import { describe, expect, it } from 'vitest';
import { parseLayout } from '../src/map/layout.js';
import { CUT_TRAIL_POINTS, encodeSnapshot, MAP_WELCOME_BYTES, MapFeed } from '../src/map/map-feed.js';
import { hottest, MAX_MAP_AGENTS, MapPositions, TRAIL_POINTS } from '../src/map/positions.js';
import type { PositionsMessage } from '../src/protocol/messages.js';
import { decodeRecords, encodeRecord } from '../src/protocol/record.js';
import { RecordedPositions } from '../src/replay/positions.js';
import { SOCKET_POLICY } from '../src/server/socket-policy.js';
import { MapModel } from '../web/src/map-model.js';

/** One big map: every agent walks its own cells, so the heatmap grows with the agents. */
const SIDE = 2048;
const layout = parseLayout({ columns: ['mapId', 'name', 'x', 'y', 'width', 'height'], rows: [[-1, 'W', 0, 0, SIDE, SIDE], [0, 'Field', 0, 0, SIDE, SIDE]] }, 'big');

/** Agent k (user `u<k>`) walks `steps` distinct cells of its own row band. */
function walk(p: MapPositions, k: number, steps: number, from = 0): void {
  const coords = Array.from({ length: steps }, (_, i) => [(from + i) % SIDE, (k * 2 + Math.floor((from + i) / SIDE)) % SIDE, 0] as [number, number, number]);
  p.fromWrapper({ user: `u${k}`, envId: 0, coords });
}

const decode = (bytes: Uint8Array) => decodeRecords(bytes)[0] as unknown as PositionsMessage;

describe('a joining viewer’s map snapshot', () => {
  it('is cut to the socket policy’s budget with 4,096 agents and a big heatmap (the whole map is MBs)', () => {
    let now = 0;
    const feed = new MapFeed({ layout, publish: () => undefined, now: () => now, welcomeBytes: SOCKET_POLICY.viewer.welcomeBytes });
    for (let k = 0; k < MAX_MAP_AGENTS; k++) {
      now = k;
      walk(feed.positions, k, TRAIL_POINTS);
    }
    // A few cells visited over and over: the heatmap's hot spots must survive the cut.
    for (let r = 0; r < 5; r++) walk(feed.positions, 7, 2, 1000);
    const whole = encodeRecord(feed.positions.full()).byteLength;
    expect(whole).toBeGreaterThan(3 * MAP_WELCOME_BYTES);

    const [bytes, ...rest] = feed.welcome();
    expect(rest).toEqual([]);
    expect(SOCKET_POLICY.viewer.welcomeBytes).toBe(MAP_WELCOME_BYTES);
    expect(bytes!.byteLength).toBeLessThanOrEqual(MAP_WELCOME_BYTES);
    const snapshot = decode(bytes!);
    expect(snapshot).toMatchObject({ type: 'positions', full: true, truncated: true });
    expect(snapshot.agents.length).toBeGreaterThan(100);
    for (const a of snapshot.agents) expect(a.path.length).toBeLessThanOrEqual(CUT_TRAIL_POINTS * 2);
    // The newest agents are kept (agent 7 moved last), and the most visited cells.
    expect(snapshot.agents.at(-1)!.id).toBe('ws:u7:0');
    const ids = new Set(snapshot.agents.map((a) => a.id));
    expect(ids.has(`ws:u${MAX_MAP_AGENTS - 1}:0`)).toBe(true);
    expect(ids.has('ws:u0:0')).toBe(false);
    const counts = snapshot.visits!.filter((_, i) => i % 3 === 2);
    expect(counts.length).toBeGreaterThan(1000);
    expect(counts.slice(0, 2)).toEqual([5, 5]);
    console.log(`whole map ${(whole / 1048576).toFixed(1)} MiB → snapshot ${(bytes!.byteLength / 1024).toFixed(0)} KiB, ${snapshot.agents.length} agents, ${counts.length} cells`);
  });

  it('is encoded once for every viewer that joins until the map changes', () => {
    const feed = new MapFeed({ layout, publish: () => undefined });
    walk(feed.positions, 1, 3);
    const a = feed.welcome()[0];
    const b = feed.welcome()[0];
    expect(b).toBe(a);
    expect(feed.snapshotsEncoded).toBe(1);
    walk(feed.positions, 2, 1);
    const c = feed.welcome()[0]!;
    expect(c).not.toBe(a);
    expect(feed.snapshotsEncoded).toBe(2);
    // Small enough: the whole map, not marked cut.
    const snapshot = decode(c);
    expect(snapshot.truncated).toBeUndefined();
    expect(snapshot.agents.map((x) => x.id)).toEqual(['ws:u1:0', 'ws:u2:0']);
    expect(snapshot.agents[0]!.path).toHaveLength(6);
  });

  it('keeps the hottest cells when it cuts the heatmap, and gives an empty map rather than pass the budget', () => {
    const p = new MapPositions({ layout });
    walk(p, 0, 50);
    for (let r = 0; r < 3; r++) walk(p, 1, 2, 100); // two cells walked three times (arrivals alternate)
    const all = decode(encodeRecord(p.full()));
    const cut = decode(encodeSnapshot(p, encodeRecord(p.full()).byteLength - 200));
    expect(cut.truncated).toBe(true);
    const hot = (m: PositionsMessage) => m.visits!.filter((_, i) => i % 3 === 2 && m.visits![i]! > 1).length;
    expect(hot(cut)).toBe(hot(all));
    const tiny = decode(encodeSnapshot(p, 50)); // under even an empty record: the empty one
    expect(tiny).toMatchObject({ full: true, truncated: true, agents: [], visits: [] });
  });
});

describe('the hottest cells', () => {
  it('are the k most visited, hottest first, ties taken in visit order', () => {
    const visits = new Map([[10, 1], [11, 4], [12, 2], [13, 4], [14, 2], [15, 1]]);
    expect(hottest(visits, 3)).toEqual([[11, 4], [13, 4], [12, 2]]);
    expect(hottest(visits, 0)).toEqual([]);
    expect(hottest(visits, 10)).toHaveLength(6);
  });
});

describe('an agent forgotten at the cap', () => {
  it('is sent as removed, and the viewer’s model and a replay’s drop it', () => {
    const p = new MapPositions({ layout, maxAgents: 3 });
    for (let k = 0; k < 3; k++) walk(p, k, 2);
    const viewer = new MapModel();
    const replay = new RecordedPositions();
    const apply = (m: PositionsMessage | undefined) => {
      expect(m).toBeDefined();
      viewer.apply(m as unknown as Record<string, unknown>);
      replay.apply(m!);
    };
    apply(p.takeUpdate());
    expect([...viewer.agents.keys()]).toEqual(['ws:u0:0', 'ws:u1:0', 'ws:u2:0']);
    walk(p, 3, 1); // the fourth: agent 0, updated longest ago, is forgotten
    const update = p.takeUpdate()!;
    expect(update.removed).toEqual(['ws:u0:0']);
    apply(update);
    expect([...viewer.agents.keys()].sort()).toEqual(['ws:u1:0', 'ws:u2:0', 'ws:u3:0']);
    expect(replay.json()!.agents.map((a) => a.id).sort()).toEqual(['ws:u1:0', 'ws:u2:0', 'ws:u3:0']);
    // Forgotten, then back in the same period: dropped first, then back with its new point only.
    walk(p, 0, 1, 40);
    const back = p.takeUpdate()!;
    expect(back.removed).toEqual(['ws:u1:0']);
    apply(back);
    expect(viewer.agents.get('ws:u0:0')!.trail).toEqual([40, 0]);
    expect(viewer.agents.has('ws:u1:0')).toBe(false);
    // Nothing moved, nothing forgotten: no record.
    expect(p.takeUpdate()).toBeUndefined();
  });
});
