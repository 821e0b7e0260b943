import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.js';
import { randomPolicy } from '../src/policy/random.js';
import { parseScript, scriptPolicy } from '../src/policy/script.js';

const run = (policy: ReturnType<typeof randomPolicy>, frames: number) =>
  Array.from({ length: frames }, (_, f) => policy.buttons(f).join('+'));

describe('random policy', () => {
  it('is reproducible from its seed and differs between seeds', () => {
    expect(run(randomPolicy(42), 2000)).toEqual(run(randomPolicy(42), 2000));
    expect(run(randomPolicy(42), 2000)).not.toEqual(run(randomPolicy(43), 2000));
  });

  it('moves in every direction over a while', () => {
    const seen = new Set(run(randomPolicy(1), 5000));
    for (const b of ['up', 'down', 'left', 'right']) expect(seen).toContain(b);
    expect(seen).not.toContain('start');
  });
});

describe('button scripts', () => {
  it('parses steps and plays them in a loop', () => {
    const steps = parseScript('# comment\nright 2\n\na+b 1   # both\nwait 1\n', 's');
    expect(steps).toEqual([
      { buttons: ['right'], frames: 2 },
      { buttons: ['a', 'b'], frames: 1 },
      { buttons: [], frames: 1 },
    ]);
    const policy = scriptPolicy(steps);
    expect([0, 1, 2, 3, 4, 5].map((f) => policy.buttons(f).join('+'))).toEqual(['right', 'right', 'a+b', '', 'right', 'right']);
  });

  it.each([
    ['jump 3', /line 1: unknown button "jump"/],
    ['right', /line 1: expected "BUTTONS FRAMES"/],
    ['\nright 0', /line 2: frame count "0"/],
    ['right 1.5', /frame count "1.5"/],
    ['# nothing', /no steps/],
  ])('refuses %j with a line number', (text, message) => {
    expect(() => parseScript(text, 's.txt')).toThrow(ConfigError);
    expect(() => parseScript(text, 's.txt')).toThrow(message);
  });
});
