/**
 * Cluster records to and from NATS payloads: one protocol record (u32 length + msgpack map) per
 * message, through the protocol's own codec. Decoding checks the shape of each type and throws
 * GbsError with a code on anything else. Pure: no NATS, no clock.
 */
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { ClusterMessage, FrameMessage } from '../protocol/messages.js';
import { decodeRecords, describe, encodeRecord } from '../protocol/record.js';

type Type = ClusterMessage['type'];
type Of<T extends Type> = Extract<ClusterMessage, { type: T }>;

export function encodeCluster(message: ClusterMessage): Uint8Array {
  return encodeRecord(message);
}

function one(bytes: Uint8Array): Record<string, unknown> & { type: string } {
  const records = decodeRecords(bytes);
  if (records.length !== 1) throw new GbsError(ErrorCode.BadField, `a cluster message holds one record, got ${records.length}`);
  return records[0]!;
}

function need(m: Record<string, unknown>, key: string, kind: 'string' | 'number' | 'boolean' | 'array' | 'object'): void {
  const v = m[key];
  const ok = kind === 'array' ? Array.isArray(v) : kind === 'object' ? typeof v === 'object' && v !== null && !Array.isArray(v) : typeof v === kind;
  if (!ok) throw new GbsError(ErrorCode.BadField, `cluster ${String(m['type'])}: \`${key}\` must be ${kind === 'array' || kind === 'object' ? `an ${kind}` : `a ${kind}`}, got ${describe(v)}`);
}

const SHAPES: { [T in Type]: Array<[string, 'string' | 'number' | 'boolean' | 'array' | 'object']> } = {
  node: [['node', 'string'], ['ts', 'number'], ['everyMs', 'number'], ['site', 'string'], ['rom', 'object'], ['fields', 'array'], ['format', 'string'], ['fps', 'number']],
  lease: [['node', 'string'], ['ts', 'number'], ['envs', 'array']],
  nstates: [['node', 'string'], ['ts', 'number'], ['envs', 'array']],
  nwrapper: [['node', 'string'], ['text', 'string']],
  nprogress: [['node', 'string'], ['source', 'string'], ['values', 'object']],
  rinput: [['node', 'string'], ['env', 'number'], ['buttons', 'array'], ['frames', 'number']],
  rcommand: [['node', 'string'], ['env', 'number'], ['name', 'string'], ['args', 'object']],
  rreply: [['ok', 'boolean']],
};

/**
 * Decodes one cluster record and checks it is one of `want`.
 * @throws GbsError(UnknownType) for another type, GbsError(BadField) for a wrong shape.
 */
export function decodeCluster<T extends Type>(bytes: Uint8Array, ...want: T[]): Of<T> {
  const m = one(bytes);
  const type = want.find((t) => t === m.type);
  if (type === undefined) throw new GbsError(ErrorCode.UnknownType, `expected a cluster ${want.map((t) => `\`${t}\``).join(' or ')} record, got \`${m.type}\``);
  for (const [key, kind] of SHAPES[type]) need(m, key, kind);
  if (type === 'node' && m['envs'] !== undefined) need(m, 'envs', 'array');
  return m as unknown as Of<T>;
}

/** Decodes a frame record from the bus. @throws GbsError when it is not a `frame` with image bytes. */
export function decodeFrame(bytes: Uint8Array): FrameMessage {
  const m = one(bytes);
  if (m.type !== 'frame') throw new GbsError(ErrorCode.UnknownType, `expected a \`frame\` record, got \`${m.type}\``);
  for (const key of ['env', 'seq', 'frame', 'ts', 'width', 'height'] as const) need(m, key, 'number');
  if (!(m['data'] instanceof Uint8Array)) throw new GbsError(ErrorCode.BadField, `frame: \`data\` must be binary, got ${describe(m['data'])}`);
  return m as unknown as FrameMessage;
}
