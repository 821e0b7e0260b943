/**
 * Input-log records (DESIGN §14, docs/recording-format.md): what `--record-mode inputs|both` writes
 * per env into the same `.gbrec` stream, so a re-run of the recorded core reproduces every frame.
 *
 *   start       the env's timeline begins or jumps (load, reset, a state load): core, ROM SHA-1,
 *               frame number and the whole machine state (deflated)
 *   inputs      the buttons held on each emulated frame from `frame` on, run-length encoded
 *   checkpoint  every N emulated seconds: frame number, deflated state and a hash of the picture
 *   episode     a trainer's mark on the episode that just ended (its score)
 *
 * Frame numbering: `start.frame`/`checkpoint.frame` are the emulator's frame counter at that
 * point, which is the number a live `frame` record of that picture carries. The first run of an
 * `inputs` record is held while frame `frame` + 1 is emulated.
 *
 * Pure functions only (no zlib, no hashing): the capture deflates and hashes. Browser-safe.
 */
import { ErrorCode } from './constants.js';
import { GbsError } from './errors.js';
import { BUTTONS, type Button } from './client-messages.js';
import { describe } from './record.js';

/** Why a timeline began: the env's first frame, a power-on reset, or a state load (save slot, an agent's reset from a state). */
export type StartReason = 'start' | 'reset' | 'load';

export interface StartMessage {
  type: 'start';
  env: number;
  /** Emulator frame counter after the start (0 after load and reset; the state's own after a load). */
  frame: number;
  reason: StartReason;
  /** "serverboy", "gambatte", … as `hello.core`. */
  core: string;
  /** The core's own name and version when it tells one ("Gambatte v0.5.0"). */
  coreVersion?: string;
  /** SHA-1 of the ROM file, lowercase hex. */
  rom: string;
  /** Whether the core emulated sound (serverboy's timing is the same either way; recorded to re-run alike). */
  sound: boolean;
  /** `Emulator.saveState()` bytes, deflated (zlib format). */
  state: Uint8Array;
  /** Length of the state before deflate. */
  stateBytes: number;
  /** Wall time, ms since the epoch. */
  ts: number;
}

export interface InputsMessage {
  type: 'inputs';
  env: number;
  /** Frame counter before the first run's first frame. */
  frame: number;
  /** Runs: (button mask u8, frame count as unsigned LEB128) pairs; see `encodeRuns`. */
  runs: Uint8Array;
}

export interface CheckpointMessage {
  type: 'checkpoint';
  env: number;
  frame: number;
  /** `Emulator.saveState()` bytes, deflated. */
  state: Uint8Array;
  stateBytes: number;
  /** SHA-1 of the 160×144 RGB picture of frame `frame` (20 bytes). */
  hash: Uint8Array;
  ts: number;
}

export interface EpisodeMessage {
  type: 'episode';
  env: number;
  /** Frame counter when the mark was made (the episode's last frame). */
  frame: number;
  /** The trainer's score for the episode that just ended. */
  score?: number;
  ts: number;
}

export type InputLogMessage = StartMessage | InputsMessage | CheckpointMessage | EpisodeMessage;

export const INPUT_LOG_TYPES: readonly InputLogMessage['type'][] = ['start', 'inputs', 'checkpoint', 'episode'];

/** Bit i of a mask is BUTTONS[i] (right, left, up, down, a, b, select, start). */
export function buttonMask(buttons: readonly Button[]): number {
  let mask = 0;
  for (const b of buttons) {
    const bit = BUTTONS.indexOf(b);
    if (bit >= 0) mask |= 1 << bit;
  }
  return mask;
}

/** The buttons of a mask, in BUTTONS order. */
export function maskButtons(mask: number): Button[] {
  const out: Button[] = [];
  for (let i = 0; i < BUTTONS.length; i++) if (mask & (1 << i)) out.push(BUTTONS[i]!);
  return out;
}

/** One run of frames holding the same buttons. */
export interface Run {
  mask: number;
  count: number;
}

/** Encodes runs as (mask byte, LEB128 count) pairs. @throws GbsError(BadField) on a bad mask or count. */
export function encodeRuns(runs: readonly Run[]): Uint8Array {
  const out: number[] = [];
  for (const { mask, count } of runs) {
    if (!Number.isInteger(mask) || mask < 0 || mask > 0xff) throw new GbsError(ErrorCode.BadField, `run mask must be 0–255, got ${describe(mask)}`);
    if (!Number.isSafeInteger(count) || count < 1) throw new GbsError(ErrorCode.BadField, `run count must be a positive integer, got ${describe(count)}`);
    out.push(mask);
    let n = count;
    while (n >= 0x80) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
  }
  return Uint8Array.from(out);
}

/** Decodes `encodeRuns` bytes. @throws GbsError(BadField) on a cut or over-long count, or a zero count. */
export function decodeRuns(bytes: Uint8Array): Run[] {
  const runs: Run[] = [];
  let i = 0;
  while (i < bytes.length) {
    const mask = bytes[i++]!;
    let count = 0;
    let scale = 1;
    for (;;) {
      if (i >= bytes.length) throw new GbsError(ErrorCode.BadField, `inputs.runs ends inside a count (at byte ${i})`);
      const b = bytes[i++]!;
      count += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) break;
      scale *= 0x80;
      if (scale > 2 ** 49) throw new GbsError(ErrorCode.BadField, `inputs.runs has an over-long count (at byte ${i})`);
    }
    if (count < 1) throw new GbsError(ErrorCode.BadField, `inputs.runs has a zero count (at byte ${i})`);
    runs.push({ mask, count });
  }
  return runs;
}

/** Frames covered by runs. */
export function runFrames(runs: readonly Run[]): number {
  let n = 0;
  for (const r of runs) n += r.count;
  return n;
}

function field<T>(m: Record<string, unknown>, name: string, ok: (v: unknown) => boolean, what: string): T {
  const v = m[name];
  if (!ok(v)) throw new GbsError(ErrorCode.BadField, `${String(m['type'])}.${name} must be ${what}, got ${describe(v)}`);
  return v as T;
}

const isEnv = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
const isFrame = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isBin = (v: unknown) => v instanceof Uint8Array;
const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/**
 * Checks a decoded record of an input-log type and returns it typed (runs are not decoded here).
 * @throws GbsError(BadField) quoting the bad field; GbsError(UnknownType) for another type.
 */
export function parseInputLog(m: Record<string, unknown> & { type: string }): InputLogMessage {
  const env = field<number>(m, 'env', isEnv, 'an env number');
  const frame = field<number>(m, 'frame', isFrame, 'a frame number');
  switch (m.type) {
    case 'start':
      return {
        type: 'start',
        env,
        frame,
        reason: field<StartReason>(m, 'reason', (v) => v === 'start' || v === 'reset' || v === 'load', 'start, reset or load'),
        core: field<string>(m, 'core', (v) => typeof v === 'string' && v.length > 0, 'a core name'),
        coreVersion: m['coreVersion'] === undefined ? undefined : field<string>(m, 'coreVersion', (v) => typeof v === 'string', 'a string'),
        rom: field<string>(m, 'rom', (v) => typeof v === 'string' && /^[0-9a-f]{40}$/.test(v), 'a SHA-1 in hex'),
        sound: field<boolean>(m, 'sound', (v) => typeof v === 'boolean', 'a boolean'),
        state: field<Uint8Array>(m, 'state', isBin, 'binary'),
        stateBytes: field<number>(m, 'stateBytes', isFrame, 'a byte count'),
        ts: field<number>(m, 'ts', isNum, 'a time'),
      };
    case 'inputs':
      return { type: 'inputs', env, frame, runs: field<Uint8Array>(m, 'runs', isBin, 'binary') };
    case 'checkpoint':
      return {
        type: 'checkpoint',
        env,
        frame,
        state: field<Uint8Array>(m, 'state', isBin, 'binary'),
        stateBytes: field<number>(m, 'stateBytes', isFrame, 'a byte count'),
        hash: field<Uint8Array>(m, 'hash', (v) => v instanceof Uint8Array && v.length === 20, '20 bytes'),
        ts: field<number>(m, 'ts', isNum, 'a time'),
      };
    case 'episode':
      return { type: 'episode', env, frame, score: m['score'] === undefined ? undefined : field<number>(m, 'score', isNum, 'a number'), ts: field<number>(m, 'ts', isNum, 'a time') };
    default:
      throw new GbsError(ErrorCode.UnknownType, `not an input-log record: ${describe(m.type)}`);
  }
}

/** Whether a record type is one of the input log's. */
export function isInputLogType(type: string): type is InputLogMessage['type'] {
  return (INPUT_LOG_TYPES as readonly string[]).includes(type);
}
