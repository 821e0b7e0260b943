/**
 * Fields every record-speaking client shares, validated once: the request `id` a client matches
 * answers by, `ping` and `auth`, and training numbers (`progress` records from agents and
 * publishers, and the body of `POST /api/progress`). client-message.ts and publisher-message.ts
 * build their schemas from these. Uses zod, so the protocol index does not export it
 * (`gbstream/protocol` loads msgpack only).
 */
import { z } from 'zod';

/** Training numbers per message, and the longest name of one. */
export const MAX_PROGRESS_VALUES = 64;
export const MAX_PROGRESS_NAME = 64;

/** A request's id, echoed in its answer (`ack`, `error`, `pong`, …). */
export const requestId = z.number().int().min(0).max(2 ** 32).optional();

/** Training numbers: 1–64 named finite numbers (zod refuses NaN and ±Infinity). */
export const progressValues = z
  .record(z.string().min(1).max(MAX_PROGRESS_NAME), z.number())
  .refine((v) => Object.keys(v).length >= 1 && Object.keys(v).length <= MAX_PROGRESS_VALUES, `expected 1–${MAX_PROGRESS_VALUES} values`);

export const pingMessage = z.object({ type: z.literal('ping'), id: requestId, t: z.number().optional() });
export const authMessage = z.object({ type: z.literal('auth'), id: requestId, token: z.string().min(1).max(256) });
export const progressMessage = z.object({ type: z.literal('progress'), id: requestId, values: progressValues });
