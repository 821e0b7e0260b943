/** The StreamWrapper message parser and the server's map model (positions, trails, visits, records). */
import { describe, expect, it } from 'vitest';
import { parseLayout } from '../src/map/layout.js';
import { MapFeed } from '../src/map/map-feed.js';
import { MapPositions, TRAIL_POINTS } from '../src/map/positions.js';
import { MAX_COORDS, parseWrapperMessage, type WrapperMessage } from '../src/map/wrapper-message.js';
import type { PositionsMessage } from '../src/protocol/messages.js';
import { decodeRecords } from '../src/protocol/record.js';

const layout = parseLayout({ columns: ['mapId', 'name', 'x', 'y', 'width', 'height'], rows: [[-1, 'W', 0, 0, 100, 80], [0, 'Town', 10, 20, 20, 18], [1, 'Road', 30, 20, 20, 18]] }, 'small');
const spec = { map: 'map_id', x: 'px', y: 'py', layout: 'small' };

function parsed(text: string): WrapperMessage {
  const r = parseWrapperMessage(text);
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}
const reason = (text: string) => {
  const r = parseWrapperMessage(text);
  return r.ok ? 'accepted' : r.reason;
};

describe('StreamWrapper messages', () => {
  it('reads the wrapper wire format: metadata and [x, y, map_id] coords', () => {
    const m = parsed(JSON.stringify({ metadata: { user: 'ash', env_id: 3, color: '#0033FF', extra: 'coords: 12', sprite_id: 2 }, coords: [[5, 6, 0], [5, 7, 0]] }));
    expect(m).toEqual({ user: 'ash', envId: 3, color: '#0033ff', extra: 'coords: 12', spriteId: 2, coords: [[5, 6, 0], [5, 7, 0]] });
  });

  it('takes what forks send: empty metadata, a pid as extra, a string env_id, extra keys', () => {
    expect(parsed('{"metadata": {}, "coords": []}')).toEqual({ coords: [] });
    expect(parsed('{"metadata": {"user": "u", "env_id": "a1", "extra": 4242, "cfg": {"x": 1}}, "coords": [[1, 2, 3]]}')).toMatchObject({ envId: 'a1', extra: '4242' });
    // A colour word is no error; the server picks one instead.
    expect(parsed('{"metadata": {"color": "red"}, "coords": []}').color).toBeUndefined();
  });

  it('refuses malformed JSON and wrong shapes, saying why', () => {
    expect(reason('{"metadata": ')).toBe('malformed JSON');
    expect(reason('[1, 2]')).toMatch(/JSON object/);
    expect(reason('{"metadata": {}}')).toMatch(/"coords" must be an array/);
    expect(reason('{"metadata": [], "coords": []}')).toMatch(/"metadata" must be an object/);
    expect(reason('{"metadata": {}, "coords": [[1, 2]]}')).toMatch(/coords\[0\]/);
    expect(reason('{"metadata": {}, "coords": [[1, 2, 3], [1.5, 2, 3]]}')).toMatch(/coords\[1\]/);
    expect(reason('{"metadata": {}, "coords": [[-1, 2, 3]]}')).toMatch(/coords\[0\]/);
    expect(reason('{"metadata": {"user": {"a": 1}}, "coords": []}')).toMatch(/user/);
    expect(reason(`{"metadata": {"user": "${'u'.repeat(65)}"}, "coords": []}`)).toMatch(/user.*64/);
    expect(reason('{"metadata": {"env_id": 1.5}, "coords": []}')).toMatch(/env_id/);
    expect(reason(JSON.stringify({ metadata: {}, coords: Array.from({ length: MAX_COORDS + 1 }, () => [0, 0, 0]) }))).toMatch(/at most/);
  });
});

describe('map model', () => {
  it('places gbstream envs from their frame state through the position declaration', () => {
    let now = 1000;
    const p = new MapPositions({ layout, now: () => now });
    p.fromFrame(2, { map_id: 1, px: 4, py: 5, money: 9 }, spec);
    now = 2000;
    p.fromFrame(0, { map_id: 0, px: 0, py: 0 }, spec);
    p.fromFrame(1, {}, spec); // a placeholder frame after a fault: no position, no agent
    const { agents } = p.json();
    expect(agents).toHaveLength(2);
    expect(agents.find((a) => a.id === 'env:2')).toMatchObject({ env: 2, envId: 2, label: 'env 2', map: 1, x: 4, y: 5, gx: 34, gy: 25, updatedAt: 1000, trail: [[34, 25]] });
    expect(agents.find((a) => a.id === 'env:0')).toMatchObject({ gx: 10, gy: 20, updatedAt: 2000 });
  });

  it("places nobody before the game has a position (the memory map's valid_when: map 0 at (0, 0) on Gen 1's cleared RAM is the title screen)", () => {
    const p = new MapPositions({ layout });
    const guarded = { ...spec, valid_when: { any_nonzero: ['map_id', 'px', 'py'] } };
    p.fromFrame(0, { map_id: 0, px: 0, py: 0 }, guarded);
    expect(p.json().agents).toEqual([]);
    p.fromFrame(0, { map_id: 0, px: 3, py: 0 }, guarded);
    p.fromFrame(1, { map_id: 1, px: 0, py: 0 }, guarded);
    expect(p.json().agents.map((a) => a.id).sort()).toEqual(['env:0', 'env:1']);
  });

  it('drops an env that goes back to the title screen (a reset), names it in the next update, and keeps its visits', () => {
    const p = new MapPositions({ layout });
    const guarded = { ...spec, valid_when: { any_nonzero: ['map_id', 'px', 'py'] } };
    p.fromFrame(0, { map_id: 1, px: 4, py: 5 }, guarded);
    p.fromFrame(1, { map_id: 1, px: 6, py: 5 }, guarded);
    p.takeUpdate();
    const version = p.version;
    p.fromFrame(0, { map_id: 0, px: 0, py: 0 }, guarded);
    expect(p.json().agents.map((a) => a.id)).toEqual(['env:1']);
    expect(p.version).toBeGreaterThan(version);
    expect(p.takeUpdate()).toMatchObject({ agents: [], removed: ['env:0'] });
    expect(p.cells).toBe(2);
    // Still on the title screen: nothing more to say.
    p.fromFrame(0, { map_id: 0, px: 0, py: 0 }, guarded);
    expect(p.takeUpdate()).toBeUndefined();
    // Back in the game: placed again.
    p.fromFrame(0, { map_id: 1, px: 4, py: 6 }, guarded);
    expect(p.json().agents.map((a) => a.id).sort()).toEqual(['env:0', 'env:1']);
  });

  it('keeps its version while envs stand still (each published frame), so a joining viewer\'s snapshot stays cached', () => {
    let now = 1000;
    const p = new MapPositions({ layout, now: () => now });
    p.fromFrame(0, { map_id: 1, px: 4, py: 5 }, spec);
    const placed = p.version;
    now = 1100;
    p.fromFrame(0, { map_id: 1, px: 4, py: 5 }, spec);
    expect(p.version).toBe(placed);
    expect(p.json().agents[0]).toMatchObject({ updatedAt: 1100 });
    p.fromFrame(0, { map_id: 1, px: 5, py: 5 }, spec);
    expect(p.version).toBeGreaterThan(placed);
    const moved = p.version;
    p.fromFrame(1, { map_id: 0, px: 0, py: 0 }, spec); // a new env at map 0 (0, 0): new, so a new version
    expect(p.version).toBeGreaterThan(moved);
  });

  it('one agent per (user, env_id); the latest coord is the position; unknown maps have no global place', () => {
    const p = new MapPositions({ layout });
    p.fromWrapper(parsed('{"metadata": {"user": "ash", "env_id": 1, "color": "#112233", "extra": "hi"}, "coords": [[1, 1, 0], [2, 1, 0]]}'));
    p.fromWrapper(parsed('{"metadata": {"user": "ash", "env_id": 2}, "coords": [[0, 0, 1]]}'));
    p.fromWrapper(parsed('{"metadata": {"user": "ash", "env_id": 1}, "coords": [[3, 1, 0], [0, 0, 99]]}'));
    const { agents } = p.json();
    expect(agents).toHaveLength(2);
    expect(agents.find((a) => a.id === 'ws:ash:1')).toMatchObject({ user: 'ash', envId: 1, label: 'ash #1', color: '#112233', extra: 'hi', map: 99, x: 0, y: 0, gx: null, gy: null, trail: [[11, 21], [12, 21], [13, 21]] });
    expect(agents.find((a) => a.id === 'ws:ash:2')).toMatchObject({ gx: 30, gy: 20 });
    expect(agents.find((a) => a.id === 'ws:ash:2')!.color).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('counts arrivals as visits (standing still adds none) and keeps the trail short', () => {
    const p = new MapPositions({ layout });
    const walk = [[1, 1, 0], [1, 1, 0], [1, 1, 0], [2, 1, 0], [1, 1, 0]];
    p.fromWrapper(parsed(JSON.stringify({ metadata: { user: 'a' }, coords: walk })));
    p.fromFrame(0, { map_id: 0, px: 1, py: 1 }, spec);
    p.fromFrame(0, { map_id: 0, px: 1, py: 1 }, spec);
    expect(p.json().visits).toEqual({ cells: [[11, 21, 3], [12, 21, 1]], max: 3 });
    const long = Array.from({ length: 100 }, (_, i) => [i % 20, Math.floor(i / 20), 0]);
    p.fromWrapper(parsed(JSON.stringify({ metadata: { user: 'b' }, coords: long })));
    const trail = p.json().agents.find((a) => a.id === 'ws:b:')!.trail;
    expect(trail).toHaveLength(TRAIL_POINTS);
    expect(trail.at(-1)).toEqual([19 + 10, 4 + 20]);
  });

  it('forgets the agent updated longest ago when full', () => {
    const p = new MapPositions({ layout, maxAgents: 2 });
    for (const user of ['a', 'b', 'a', 'c']) p.fromWrapper(parsed(JSON.stringify({ metadata: { user }, coords: [[0, 0, 0]] })));
    expect(p.json().agents.map((a) => a.user).sort()).toEqual(['a', 'c']);
  });

  it('updates carry each moved agent once with the points since the last update; the sum of paths is the heatmap', () => {
    const p = new MapPositions({ layout, now: () => 5 });
    p.fromWrapper(parsed('{"metadata": {"user": "a"}, "coords": [[1, 1, 0], [2, 1, 0]]}'));
    p.fromWrapper(parsed('{"metadata": {"user": "a"}, "coords": [[3, 1, 0]]}'));
    const first = p.takeUpdate()!;
    expect(first).toMatchObject({ type: 'positions', ts: 5, layout: { name: 'small', width: 100, height: 80 } });
    expect(first.agents).toHaveLength(1);
    expect(first.agents[0]).toMatchObject({ id: 'ws:a:', x: 3, gx: 13, path: [11, 21, 12, 21, 13, 21] });
    expect(p.takeUpdate()).toBeUndefined();
    p.fromWrapper(parsed('{"metadata": {"user": "a"}, "coords": [[3, 2, 0]]}'));
    expect(p.takeUpdate()!.agents[0]!.path).toEqual([13, 22]);

    const full = p.full();
    expect(full.full).toBe(true);
    expect(full.agents[0]!.path).toEqual([11, 21, 12, 21, 13, 21, 13, 22]);
    expect(full.visits).toEqual([11, 21, 1, 12, 21, 1, 13, 21, 1, 13, 22, 1]);
  });
});

describe('map feed', () => {
  it('publishes updates and records them, and records a full keyframe when due', () => {
    const published: PositionsMessage[] = [];
    const recorded: PositionsMessage[] = [];
    const feed = new MapFeed({ layout, position: spec, publish: (m) => published.push(m), record: (m) => recorded.push(m), keyframeMs: 0 });
    feed.flush();
    expect(published).toEqual([]);
    feed.frame({ type: 'frame', env: 0, seq: 0, frame: 1, ts: 1, width: 160, height: 144, format: 'jpeg', data: new Uint8Array(), state: { map_id: 0, px: 1, py: 2 } });
    feed.flush();
    expect(published.map((m) => m.full ?? false)).toEqual([false]);
    expect(recorded.map((m) => m.full ?? false)).toEqual([false, true]);
    // A joining viewer gets pending points flushed to everyone first, then the whole map.
    feed.wrapper(parsed('{"metadata": {"user": "z"}, "coords": [[0, 0, 1]]}'));
    const welcome = feed.welcome();
    expect(published.at(-1)!.agents.map((a) => a.id)).toEqual(['ws:z:']);
    expect(welcome).toHaveLength(1);
    const [snapshot] = decodeRecords(welcome[0]!) as unknown as PositionsMessage[];
    expect(snapshot!.full).toBe(true);
    expect(snapshot!.agents.map((a) => a.id).sort()).toEqual(['env:0', 'ws:z:']);
  });

  it('places nothing from frames when the memory map declares no position', () => {
    const feed = new MapFeed({ layout, publish: () => undefined });
    feed.frame({ type: 'frame', env: 0, seq: 0, frame: 1, ts: 1, width: 160, height: 144, format: 'jpeg', data: new Uint8Array(), state: { map_id: 0, px: 1, py: 2 } });
    expect(feed.positions.size).toBe(0);
    expect(feed.welcome()).toEqual([]);
  });
});
