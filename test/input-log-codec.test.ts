import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../src/protocol/constants.js';
import { buttonMask, decodeRuns, encodeRuns, maskButtons, parseInputLog, runFrames, type InputLogMessage, type Run } from '../src/protocol/input-log.js';
import { decodeRecords, encodeRecord } from '../src/protocol/record.js';
import { BUTTONS } from '../src/protocol/messages.js';
import { codeOf } from './helpers/code-of.js';


describe('button masks', () => {
  it('gives each button its own bit and round-trips every mask', () => {
    expect(BUTTONS.map((b) => buttonMask([b]))).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
    for (let mask = 0; mask < 256; mask++) expect(buttonMask(maskButtons(mask))).toBe(mask);
    expect(buttonMask(['start', 'a', 'a'])).toBe(128 | 16);
  });
});

describe('run-length codec', () => {
  it('round-trips runs of every size class (1-, 2-, 3- and 7-byte counts)', () => {
    const runs: Run[] = [
      { mask: 0, count: 1 },
      { mask: 255, count: 127 },
      { mask: 16, count: 128 },
      { mask: 3, count: 16_383 },
      { mask: 3, count: 16_384 },
      { mask: 128, count: 2 ** 40 + 5 },
    ];
    const bytes = encodeRuns(runs);
    expect(bytes.length).toBe(2 + 2 + 3 + 3 + 4 + 7);
    expect(decodeRuns(bytes)).toEqual(runs);
    expect(runFrames(runs)).toBe(1 + 127 + 128 + 16_383 + 16_384 + 2 ** 40 + 5);
  });

  it('round-trips random runs', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let t = 0; t < 50; t++) {
      const runs = Array.from({ length: Math.floor(rand() * 40) }, () => ({ mask: Math.floor(rand() * 256), count: 1 + Math.floor(rand() ** 4 * 100_000) }));
      expect(decodeRuns(encodeRuns(runs))).toEqual(runs);
    }
  });

  it('an hour of idle frames is a few bytes', () => {
    expect(encodeRuns([{ mask: 0, count: 215_019 }]).length).toBe(4);
  });

  it('refuses bad runs with a code, both ways', () => {
    expect(codeOf(() => encodeRuns([{ mask: 256, count: 1 }]))).toBe(ErrorCode.BadField);
    expect(codeOf(() => encodeRuns([{ mask: 1, count: 0 }]))).toBe(ErrorCode.BadField);
    expect(codeOf(() => encodeRuns([{ mask: 1, count: 1.5 }]))).toBe(ErrorCode.BadField);
    expect(codeOf(() => decodeRuns(Uint8Array.of(1)))).toBe(ErrorCode.BadField); // cut before its count
    expect(codeOf(() => decodeRuns(Uint8Array.of(1, 0x80)))).toBe(ErrorCode.BadField); // cut inside its count
    expect(codeOf(() => decodeRuns(Uint8Array.of(1, 0)))).toBe(ErrorCode.BadField); // zero
    expect(codeOf(() => decodeRuns(Uint8Array.of(1, ...new Array(9).fill(0xff), 1)))).toBe(ErrorCode.BadField); // over-long
  });
});

describe('input-log records', () => {
  const sha1 = '0123456789abcdef0123456789abcdef01234567';
  const records: InputLogMessage[] = [
    { type: 'start', env: 1, frame: 0, reason: 'start', core: 'gambatte', coreVersion: 'Gambatte v0.5.0', rom: sha1, sound: false, state: Uint8Array.of(1, 2, 3), stateBytes: 84_004, ts: 1_790_000_000_000 },
    { type: 'inputs', env: 1, frame: 0, runs: encodeRuns([{ mask: 16, count: 24 }]) },
    { type: 'checkpoint', env: 1, frame: 3584, state: Uint8Array.of(9), stateBytes: 84_004, hash: new Uint8Array(20).fill(7), ts: 1_790_000_060_000 },
    { type: 'episode', env: 1, frame: 3600, score: 12.5, ts: 1_790_000_061_000 },
  ];

  it('round-trip through the record codec and the parser', () => {
    const bytes = new Uint8Array(records.flatMap((r) => [...encodeRecord(r)]));
    const back = decodeRecords(bytes).map(parseInputLog);
    expect(back).toEqual(records);
  });

  it('a bad field is refused with BadField quoting it; another type with UnknownType', () => {
    const bad = (over: Record<string, unknown>) => codeOf(() => parseInputLog({ ...records[0]!, ...over } as never));
    expect(bad({ rom: 'nope' })).toBe(ErrorCode.BadField);
    expect(bad({ env: -1 })).toBe(ErrorCode.BadField);
    expect(bad({ frame: 1.5 })).toBe(ErrorCode.BadField);
    expect(bad({ state: 'x' })).toBe(ErrorCode.BadField);
    expect(bad({ reason: 'why' })).toBe(ErrorCode.BadField);
    expect(codeOf(() => parseInputLog({ ...records[2]!, hash: new Uint8Array(3) } as never))).toBe(ErrorCode.BadField);
    expect(codeOf(() => parseInputLog({ type: 'frame', env: 0, frame: 0 }))).toBe(ErrorCode.UnknownType);
    try {
      parseInputLog({ ...records[0]!, rom: 'nope' } as never);
    } catch (err) {
      expect((err as Error).message).toContain('start.rom');
      expect((err as Error).message).toContain('"nope"');
    }
  });
});
