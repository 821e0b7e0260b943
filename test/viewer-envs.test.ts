import { describe, expect, it } from 'vitest';
import { EnvFocus, statsForEnv } from '../web/src/envs.js';

describe('EnvFocus: routing frames by env and moving the focus', () => {
  it('starts with one env, focused, and no grid', () => {
    const f = new EnvFocus();
    expect(f.count).toBe(1);
    expect(f.multi).toBe(false);
    expect(f.route(undefined)).toEqual({ env: 0, focused: true }); // servers before multi-env send no env
    expect(f.route(0)).toEqual({ env: 0, focused: true });
  });

  it('routes each env to its place and only the focused one to the focus view', () => {
    const f = new EnvFocus();
    f.setCount(4);
    expect(f.multi).toBe(true);
    expect([0, 1, 2, 3].map((e) => f.route(e)?.focused)).toEqual([true, false, false, false]);
    expect(f.focus(2)).toBe(true);
    expect([0, 1, 2, 3].map((e) => f.route(e)?.focused)).toEqual([false, false, true, false]);
  });

  it('drops frames of envs the page was not told about', () => {
    const f = new EnvFocus();
    f.setCount(2);
    expect(f.route(2)).toBeUndefined();
    expect(f.route(-1)).toBeUndefined();
    expect(f.route(1.5)).toBeUndefined();
    expect(f.route('1')).toBeUndefined();
  });

  it('refuses a focus on a missing env or the focused one', () => {
    const f = new EnvFocus();
    f.setCount(3);
    expect(f.focus(3)).toBe(false);
    expect(f.focus(0)).toBe(false);
    expect(f.focused).toBe(0);
  });

  it('keeps the focus across a new count when the env still exists, else goes back to env 0', () => {
    const f = new EnvFocus();
    f.setCount(4);
    f.focus(3);
    f.setCount(8);
    expect(f.focused).toBe(3);
    f.setCount(2);
    expect(f.focused).toBe(0);
  });

  it('treats a bad count as one env', () => {
    const f = new EnvFocus();
    for (const bad of [0, -3, 2.5, '4', undefined, Number.NaN]) {
      f.setCount(bad);
      expect(f.count).toBe(1);
    }
  });

  it('remembers each env’s latest state so a focus switch shows it at once', () => {
    const f = new EnvFocus();
    f.setCount(3);
    f.setState(1, { x: 10 });
    f.setState(1, { x: 11 });
    f.setState(2, { x: 20 });
    f.setState(9, { x: 90 });
    f.focus(1);
    expect(f.stateOf(f.focused)).toEqual({ x: 11 });
    expect(f.stateOf(9)).toBeUndefined();
    f.setCount(2);
    expect(f.stateOf(2)).toBeUndefined();
  });
});

describe('statsForEnv: the emulator numbers shown follow the focused env', () => {
  it('takes the focused env’s own entry when the server sends per-env stats', () => {
    const record = { type: 'stats', speed: 0.5, envs: [{ env: 0, fps: 10, emuFps: 30, speed: 0.5 }, { env: 2, fps: 10, emuFps: 60, speed: 1 }] };
    expect(statsForEnv(record, 2)).toEqual({ speed: 1, emuFps: 60, fps: 10 });
    expect(statsForEnv(record, 0)?.speed).toBe(0.5);
  });

  it('falls back to the overall numbers (one env, or an env missing from the list)', () => {
    expect(statsForEnv({ speed: 1.01, emuFps: 60.3, fps: 10 }, 0)).toEqual({ speed: 1.01, emuFps: 60.3, fps: 10 });
    expect(statsForEnv({ speed: 0.9, envs: [{ env: 0, speed: 2 }] }, 3)?.speed).toBe(0.9);
    expect(statsForEnv({}, 0)).toBeUndefined();
  });
});
