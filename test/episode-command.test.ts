import { describe, expect, it } from 'vitest';
import { runCommand, type CommandTarget } from '../src/envs/commands.js';
import { ErrorCode } from '../src/protocol/constants.js';

describe('the episode command', () => {
  const marks: Array<number | undefined> = [];
  const target = { markEpisode: (score: number | undefined) => marks.push(score) } as unknown as CommandTarget;

  it('marks an episode with a score, or none', () => {
    runCommand(target, 'episode', { score: 2.5 });
    runCommand(target, 'episode', {});
    expect(marks).toEqual([2.5, undefined]);
  });

  it('refuses a score that is not a finite number, quoting it', () => {
    for (const score of ['high', Number.NaN, Infinity, [1]]) {
      expect(() => runCommand(target, 'episode', { score })).toThrow(expect.objectContaining({ code: ErrorCode.BadField }));
    }
    expect(() => runCommand(target, 'episode', { score: 'high' })).toThrow(/args.score must be a finite number, got "high"/);
  });
});
