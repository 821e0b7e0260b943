/**
 * Messages between the main thread and an env worker thread, which runs several envs (structured
 * clone, not the wire format), except frames: a frame crosses as its record alone, transferred (not copied), and the main
 * thread decodes the message from it, so the image bytes cross once and are a view into the record.
 */
import type { CoreChoice } from '../emulator/create-emulator.js';
import type { Speed } from '../emulator/pacer.js';
import type { EncoderKind } from '../encode/select-encoder.js';
import type { EventMessage, FrameFormat, FrameMessage } from '../protocol/messages.js';
import { decodeRecords } from '../protocol/record.js';
import type { MemoryMap } from '../state/memory-map.js';
import type { PolicySpec } from '../policy/spec.js';
import type { EnvStats } from './env.js';

export interface EnvWorkerData {
  id: number;
  rom: Uint8Array;
  map: MemoryMap | undefined;
  policy: PolicySpec;
  seed: number;
  encoder: EncoderKind;
  /** Image format of published frames; default jpeg. */
  format?: FrameFormat;
  quality: number;
  fps: number;
  speed: Speed;
  sound: boolean;
  core?: CoreChoice;
  logLevel: string;
  /** Write an input log; its records come back as `log` notes. */
  inputLog?: { checkpointS?: number };
}

/** Main → worker: a call answered by a `reply` with the same `id`. Every call but `add` names its env. */
export type WorkerCall =
  | { id: number; op: 'add'; data: EnvWorkerData }
  | { id: number; env: number; op: 'start' }
  | { id: number; env: number; op: 'stop' }
  | { id: number; env: number; op: 'command'; name: string; args: Record<string, unknown> }
  | { id: number; env: number; op: 'lockstep'; on: boolean }
  | { id: number; env: number; op: 'reset'; observe: 'none' | 'rgba' | 'gray'; state?: Uint8Array }
  | { id: number; env: number; op: 'saveState' }
  | { id: number; env: number; op: 'step'; buttons: string[]; frames: number; observe: 'none' | 'rgba' | 'gray' }
  /** Aborts the running `step` call `call` at its next slice (its agent left); answered at once. */
  | { id: number; env: number; op: 'cancel'; call: number; reason: string }
  | { id: number; env: number; op: 'input'; buttons: string[]; frames: number };

/** What the worker answers to `add`: the env's encoder, and a warning to log once. */
export interface AddedEnv {
  encoder: string;
  warning?: string;
}

/** Worker → main. Frames, events and stats name their env (a worker runs several). */
export type WorkerNote =
  | { kind: 'frame'; env: number; record: Uint8Array }
  | { kind: 'log'; env: number; record: Uint8Array }
  | { kind: 'event'; env: number; message: EventMessage }
  | { kind: 'stats'; stats: EnvStats }
  | { kind: 'reply'; id: number; value?: unknown; error?: { code: string; message: string } };

/** The frame message of a record that came from a worker; `data` is a view into `record`. */
export function frameOfRecord(record: Uint8Array): FrameMessage {
  return decodeRecords(record)[0] as unknown as FrameMessage;
}

/**
 * What of a call's answer crosses to the main thread moved, not copied: an observation's screen,
 * made fresh for each answer, when it owns its whole buffer (a view into a shared one is copied).
 */
export function transferOf(value: unknown): ArrayBuffer[] {
  const screen = (value as { screen?: unknown } | undefined)?.screen;
  if (!(screen instanceof Uint8Array) || !(screen.buffer instanceof ArrayBuffer)) return [];
  return screen.byteOffset === 0 && screen.byteLength === screen.buffer.byteLength ? [screen.buffer] : [];
}
