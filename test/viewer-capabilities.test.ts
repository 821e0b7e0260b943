/** The viewer's reading of what a server is (web/src/capabilities.ts): header name, controls, replay status and latency. */
import { describe, expect, it } from 'vitest';
import { capsOf, LIVE_CAPS, parsePlayback, playbackLatency, replayStatus, siteName } from '../web/src/capabilities.js';

const rom = { title: 'POKEMON YELLOW' };

describe('the header names the site', () => {
  it('the ROM title for serve, "hub" for a hub, "replay of FILE" for a replay', () => {
    expect(siteName({ rom, site: { kind: 'serve', name: 'POKEMON YELLOW' } })).toBe('POKEMON YELLOW');
    expect(siteName({ rom: { title: 'hub' }, site: { kind: 'hub', name: 'hub' } })).toBe('hub');
    expect(siteName({ rom, site: { kind: 'replay', name: 'run-3.gbrec' }, replay: { durationMs: 1 } })).toBe('replay of run-3.gbrec');
  });

  it('older servers without `site`: the ROM title, or "replay of" it', () => {
    expect(siteName({ rom })).toBe('POKEMON YELLOW');
    expect(siteName({ rom, replay: { durationMs: 5 } })).toBe('replay of POKEMON YELLOW');
    expect(siteName({ rom: { title: '' } })).toBe('untitled ROM');
  });
});

describe('capabilities decide the controls', () => {
  const hubHello = { can: { input: false, emulatorSpeed: false, seek: false } };
  it('an env-list entry wins over hello, hello over the default', () => {
    expect(capsOf(hubHello, undefined)).toEqual({ input: false, emulatorSpeed: false, seek: false });
    expect(capsOf(hubHello, { can: { input: true, emulatorSpeed: true, seek: false } })).toEqual({ input: true, emulatorSpeed: true, seek: false });
  });

  it('servers and recordings from before capabilities: a live emulator; a replay never takes input', () => {
    expect(capsOf({}, undefined)).toEqual(LIVE_CAPS);
    expect(capsOf(undefined, undefined)).toEqual(LIVE_CAPS);
    expect(capsOf({ replay: { durationMs: 1000 } }, { can: undefined })).toEqual({ input: false, emulatorSpeed: false, seek: true });
  });

  it('ignores malformed values field by field', () => {
    expect(capsOf({ can: { input: 'yes', emulatorSpeed: false } }, undefined)).toEqual({ input: true, emulatorSpeed: false, seek: false });
  });
});

describe('a replay in the status line and the latency meter', () => {
  it('says "Replay m:ss / m:ss"', () => {
    expect(replayStatus(42_500, 190_000)).toBe('Replay 0:42 / 3:10');
  });

  it('measures latency against playback time, not against now', () => {
    const clock = parsePlayback({ ts: 5_000, playback: { ts: 1_000, speed: 2, paused: false } })!;
    // 100 ms after stats, at 2× playback is 200 ms on: a frame stamped 1,150 is 50 recorded ms = 25 wall ms late.
    expect(playbackLatency(1_150, clock, 5_100)).toBe(25);
    const paused = parsePlayback({ ts: 5_000, playback: { ts: 1_000, speed: 1, paused: true } })!;
    expect(playbackLatency(1_000, paused, 9_000)).toBe(0);
  });

  it('no playback clock in stats of a live server, or a bad one', () => {
    expect(parsePlayback({ ts: 1, speed: 1 })).toBeUndefined();
    expect(parsePlayback({ ts: 1, playback: { ts: 1, speed: 0, paused: false } })).toBeUndefined();
  });
});
