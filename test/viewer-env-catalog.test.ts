import { describe, expect, it } from 'vitest';
import { EnvCatalog, parseFilter } from '../web/src/env-catalog.js';

function catalog(): EnvCatalog {
  const c = new EnvCatalog();
  c.setList(
    [
      { env: 0, label: 'ppo/2', live: true, source: 'published' },
      { env: 1, label: 'ppo/10', live: true, source: 'published' },
      { env: 2, label: 'dqn/0', live: false, source: 'published' },
      { env: 3, label: 'ppo/1', live: true, source: 'published' },
    ],
    4,
  );
  c.setState(0, { badges: 1, x: 5 });
  c.setState(1, { badges: 3, x: 1 });
  c.setState(2, { badges: 8 });
  return c;
}

describe('env catalog: sort, filter and follow-best for a grid of many envs', () => {
  it('parses the filter box: field comparisons, else a label substring', () => {
    expect(parseFilter('')).toEqual({ kind: 'none' });
    expect(parseFilter('badges > 2')).toEqual({ kind: 'field', field: 'badges', op: '>', value: 2 });
    expect(parseFilter('x=-1.5')).toEqual({ kind: 'field', field: 'x', op: '=', value: -1.5 });
    expect(parseFilter(' PPO/ ')).toEqual({ kind: 'label', text: 'ppo/' });
  });

  it('filters by label or by a state field', () => {
    const c = catalog();
    expect(c.view(parseFilter('ppo'), { kind: 'env' }).map((e) => e.env)).toEqual([0, 1, 3]);
    expect(c.view(parseFilter('badges>2'), { kind: 'env' }).map((e) => e.env)).toEqual([1, 2]);
    expect(c.view(parseFilter('3'), { kind: 'env' }).map((e) => e.env)).toEqual([3]); // an env id
  });

  it('sorts by label (numbers in labels in number order) or by a field, highest first, unknown last', () => {
    const c = catalog();
    expect(c.view({ kind: 'none' }, { kind: 'label' }).map((e) => e.label)).toEqual(['dqn/0', 'ppo/1', 'ppo/2', 'ppo/10']);
    expect(c.view({ kind: 'none' }, { kind: 'field', field: 'badges' }).map((e) => e.env)).toEqual([2, 1, 0, 3]);
  });

  it('follow best: the live env with the highest value (gone envs never win)', () => {
    const c = catalog();
    expect(c.best('badges')).toBe(1);
    expect(c.best('x')).toBe(0);
    expect(c.best('nope')).toBeUndefined();
    expect(c.fields()).toEqual(['badges', 'x']);
  });

  it('without an env list, envs 0..count-1 are local and labelled "env N"; states of vanished envs are forgotten', () => {
    const c = catalog();
    c.setList(undefined, 2);
    expect(c.view({ kind: 'none' }, { kind: 'env' })).toEqual([
      { env: 0, label: 'env 0', live: true, source: 'local' },
      { env: 1, label: 'env 1', live: true, source: 'local' },
    ]);
    expect(c.best('badges')).toBe(1);
    expect(c.view(parseFilter('badges>7'), { kind: 'env' })).toEqual([]);
  });
});
