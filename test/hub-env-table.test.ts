import { describe, expect, it } from 'vitest';
import { EnvTable, MAX_ENVS_PER_PUBLISHER } from '../src/hub/env-table.js';
import { ErrorCode } from '../src/protocol/constants.js';

const local = { label: 'env 0', source: 'local' as const, live: true, width: 160, height: 144 };

describe('env table: published envs numbered after local ones, stable across reconnects', () => {
  it('numbers published envs after the local ones', () => {
    const t = new EnvTable([local, { ...local, label: 'env 1' }]);
    expect(t.claim(1, ['a/0', 'a/1'], 160, 144)).toEqual([2, 3]);
    expect(t.count).toBe(4);
    expect(t.list().map((e) => [e.env, e.label, e.source, e.live])).toEqual([
      [0, 'env 0', 'local', true],
      [1, 'env 1', 'local', true],
      [2, 'a/0', 'published', true],
      [3, 'a/1', 'published', true],
    ]);
  });

  it('marks a gone publisher’s envs not live, and gives the same ids back to the same labels', () => {
    const t = new EnvTable([]);
    expect(t.claim(1, ['a/0', 'a/1'], 160, 144)).toEqual([0, 1]);
    expect(t.claim(2, ['b/0'], 160, 144)).toEqual([2]);
    expect(t.release(1)).toEqual([0, 1]);
    expect(t.list().map((e) => e.live)).toEqual([false, false, true]);
    expect(t.claim(3, ['a/1', 'a/0', 'a/2'], 160, 144)).toEqual([1, 0, 3]);
    expect(t.livePublished()).toBe(4);
  });

  it('refuses more envs than the caps, claiming nothing', () => {
    const t = new EnvTable([], 3);
    expect(t.claim(1, ['a', 'b'], 160, 144)).toEqual([0, 1]);
    expect(() => t.claim(2, ['c', 'd'], 160, 144)).toThrow(expect.objectContaining({ code: ErrorCode.TooManyEnvs }));
    expect(t.count).toBe(2);
    const many = Array.from({ length: MAX_ENVS_PER_PUBLISHER + 1 }, (_, i) => `x/${i}`);
    expect(() => new EnvTable([]).claim(1, many, 160, 144)).toThrow(expect.objectContaining({ code: ErrorCode.TooManyEnvs }));
  });

  it('reuses the longest-gone slot when the table is full', () => {
    const t = new EnvTable([], 2);
    t.claim(1, ['a'], 160, 144);
    t.claim(2, ['b'], 160, 144);
    t.release(2);
    t.release(1);
    expect(t.claim(3, ['c'], 160, 144)).toEqual([1]); // b left first
    expect(t.count).toBe(2);
  });
});
