/**
 * The cluster's pure parts, without NATS: the record codec, the node table (expiry, sticky
 * numbering, reuse when full), demand leases, URL and node-name parsing, `--record-envs`.
 */
import { describe, expect, it } from 'vitest';
import { decodeCluster, decodeFrame, encodeCluster } from '../src/cluster/codec.js';
import { parseClusterUrl, redact } from '../src/cluster/connection.js';
import { frameDue, LEASE_EXPIRE_MS, LeaseBook, leasesByNode } from '../src/cluster/leases.js';
import { NodeTable } from '../src/cluster/node-table.js';
import { defaultNodeName, parseNodeName, subjects } from '../src/cluster/subjects.js';
import { encodeRecord } from '../src/protocol/record.js';
import { ChosenEnvs, envChosen, parseEnvChoice } from '../src/record/env-choice.js';
import type { NodeAnnounce } from '../src/protocol/messages.js';
import { codeOf } from './helpers/code-of.js';

const can = { input: true, emulatorSpeed: true, seek: false };
const announce = (node: string, envs: number[], extra: Partial<NodeAnnounce> = {}): NodeAnnounce => ({
  type: 'node',
  node,
  ts: 0,
  everyMs: 1000,
  site: 'serve',
  rom: { title: 'T', sha1: 'x', cgb: 'dmg' },
  map: null,
  fields: [],
  format: 'jpeg',
  fps: 10,
  envs: envs.map((env) => ({ env, label: `env ${env}`, source: 'local', live: true, width: 160, height: 144, can })),
  ...extra,
});

describe('cluster codec', () => {
  it('round-trips every type and refuses another type or a wrong shape with a code', () => {
    const m = announce('A', [0, 1]);
    expect(decodeCluster(encodeCluster(m), 'node')).toEqual(m);
    const lease = { type: 'lease', node: 'B', ts: 5, envs: [[0, 10]] } as const;
    expect(decodeCluster(encodeCluster({ ...lease, envs: [[0, 10]] }), 'lease', 'nstates')).toEqual(lease);
    expect(codeOf(() => decodeCluster(encodeCluster(m), 'lease'))).toBe('GBS_ERR_UNKNOWN_TYPE');
    expect(codeOf(() => decodeCluster(encodeRecord({ type: 'lease', node: 'B', ts: 1, envs: 'all' } as Record<string, unknown>), 'lease'))).toBe('GBS_ERR_BAD_FIELD');
    expect(codeOf(() => decodeCluster(new Uint8Array([0, 0, 0, 1, 0xc1]), 'node'))).toBe('GBS_ERR_BAD_MSGPACK');
    expect(codeOf(() => decodeFrame(encodeRecord({ type: 'frame', env: 0, seq: 1, frame: 1, ts: 1, width: 160, height: 144, data: 'no' } as Record<string, unknown>)))).toBe('GBS_ERR_BAD_FIELD');
  });
});

describe('node table', () => {
  it('numbers remote envs from firstEnv, keeps ids when a node comes back, and forgets silent nodes', () => {
    const t = new NodeTable(1024);
    expect(t.announce(announce('A', [0, 1]), 0)).toBe(true);
    expect(t.announce(announce('B', [0]), 0)).toBe(true);
    expect(t.envs().map((e) => [e.env, e.label, e.node, e.ownerEnv])).toEqual([[1024, 'A/env 0', 'A', 0], [1025, 'A/env 1', 'A', 1], [1026, 'B/env 0', 'B', 0]]);
    expect(t.envs()[0]!.can).toEqual({ input: true, emulatorSpeed: false, seek: false });
    expect(t.slots()).toBe(1027);
    expect(t.announce(announce('A', [0, 1]), 500)).toBe(false);
    // B last spoke at 0, A at 500: at 3001 only B is past 3 periods.
    expect(t.expire(3001)).toEqual(['B']);
    expect(t.idOf('B', 0)).toBeUndefined();
    expect(t.announce(announce('B', [0]), 4000)).toBe(true);
    expect(t.idOf('B', 0)).toBe(1026);
    expect(t.announce(announce('A', [], { bye: true }), 4000)).toBe(true);
    expect(t.envs().map((e) => e.env)).toEqual([1026]);
    expect(t.clear(4000)).toBe(true);
    expect(t.slots()).toBe(0);
  });

  it('keeps a known node alive on heartbeats (no envs) and lists an unknown one only once its envs come', () => {
    const t = new NodeTable(0);
    const { envs: _, ...heartbeat } = announce('A', [0]);
    expect(t.announce(heartbeat, 0)).toBe(false);
    expect(t.knows('A')).toBe(false);
    expect(t.announce(announce('A', [0]), 0)).toBe(true);
    expect(t.announce(heartbeat, 2500)).toBe(false);
    expect(t.expire(4000)).toEqual([]);
    expect(t.expire(5501)).toEqual(['A']);
  });

  it('reuses the slot of the longest-gone node when its range is full', () => {
    const t = new NodeTable(10, 2);
    t.announce(announce('A', [0]), 0);
    t.announce(announce('B', [0]), 1);
    t.forget('A', 2);
    t.announce(announce('C', [0, 1]), 3);
    expect(t.envs().map((e) => [e.env, e.node])).toEqual([[10, 'C'], [11, 'B']]);
  });
});

describe('demand leases', () => {
  it('want the highest fps asked, lapse unless renewed, and become subscriptions', () => {
    const book = new LeaseBook();
    book.take('B', [[0, 10], [1, 2]], 0);
    book.take('C', [[0, 5]], 0);
    expect(book.fps(0, 100)).toBe(10);
    expect(book.fps(2, 100)).toBe(0);
    expect(book.subscriptions(100)).toEqual([{ envs: new Set([0]), maxFps: 10 }, { envs: new Set([1]), maxFps: 2 }, { envs: new Set([0]), maxFps: 5 }]);
    book.take('C', [[0, 5]], 2000);
    expect(book.fps(0, LEASE_EXPIRE_MS)).toBe(5);
    expect(book.holders(LEASE_EXPIRE_MS)).toBe(1);
    book.take('C', [], 2100);
    expect(book.fps(0, 2200)).toBe(0);
  });

  it('paces frames at the leased fps and groups what a node wants by owner', () => {
    expect(frameDue(undefined, 0, 10)).toBe(true);
    expect(frameDue(0, 50, 10)).toBe(false);
    expect(frameDue(0, 100, 10)).toBe(true);
    expect(frameDue(undefined, 0, 0)).toBe(false);
    expect(leasesByNode([{ node: 'A', ownerEnv: 0, fps: 10 }, { node: 'B', ownerEnv: 3, fps: 0 }, { node: 'A', ownerEnv: 2, fps: 2 }])).toEqual(new Map([['A', [[0, 10], [2, 2]]]]));
  });
});

describe('cluster URL and node names', () => {
  it('takes the credential out of the URL and never shows it', () => {
    expect(parseClusterUrl('nats://u:p@h:4333')).toEqual({ servers: ['h:4333'], user: 'u', pass: 'p', tls: false });
    expect(parseClusterUrl('tls://tok@h')).toEqual({ servers: ['h:4222'], token: 'tok', tls: true });
    expect(parseClusterUrl('nats://a:1,nats://b:2').servers).toEqual(['a:1', 'b:2']);
    expect(redact('nats://u:p@h:1,nats://t@g:2')).toBe('nats://***@h:1,nats://***@g:2');
    expect(() => parseClusterUrl('redis://h:1')).toThrow(expect.objectContaining({ code: 'GBS_ERR_CLUSTER' }));
    expect(() => parseClusterUrl('nats://secret@h:1/x')).toThrow(/nats:\/\/\*\*\*@h:1\/x/);
  });

  it('makes node names one subject token', () => {
    expect(defaultNodeName('box.example.org', 42)).toBe('box_example_org-42');
    expect(parseNodeName('node-1')).toBe('node-1');
    expect(() => parseNodeName('a.b')).toThrow(expect.objectContaining({ code: 'GBS_ERR_CLUSTER' }));
    expect(subjects.frame('A', 3)).toBe('gbs.v1.frame.A.3');
  });
});

describe('--record-envs', () => {
  it('chooses ids, ranges, local, remote and one node; refuses anything else quoting it', () => {
    const envs = [
      { env: 0, source: 'local' as const },
      { env: 1, source: 'published' as const },
      { env: 1024, source: 'remote' as const, node: 'a' },
      { env: 1025, source: 'remote' as const, node: 'b' },
    ];
    const pick = (text: string) => envs.filter((e) => envChosen(parseEnvChoice(text), e)).map((e) => e.env);
    expect(pick('0')).toEqual([0]);
    expect(pick('1-1024')).toEqual([1, 1024]);
    expect(pick('local')).toEqual([0, 1]);
    expect(pick('remote')).toEqual([1024, 1025]);
    expect(pick('node:b, 0')).toEqual([0, 1025]);
    expect(() => parseEnvChoice('0,5-2')).toThrow('got `5-2` in `0,5-2`');
    expect(() => parseEnvChoice('everything')).toThrow(expect.objectContaining({ code: 'GBS_ERR_RECORD' }));
  });

  it('looks the chosen ids up again only after refreshMs', () => {
    let now = 0;
    let list = [{ env: 0, source: 'local' as const }];
    const chosen = new ChosenEnvs(parseEnvChoice('local'), () => list, () => now, 1000);
    expect(chosen.has(0)).toBe(true);
    list = [{ env: 0, source: 'local' as const }, { env: 1, source: 'local' as const }];
    expect(chosen.has(1)).toBe(false);
    now = 1000;
    expect(chosen.has(1)).toBe(true);
  });
});
