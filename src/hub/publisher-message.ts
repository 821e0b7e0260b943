/**
 * Validation of publisher → server messages. A decoded record map becomes a typed
 * PublisherMessage or a GbsError with a code, answered with an `error` record.
 */
import { z } from 'zod';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import { authMessage, pingMessage, progressMessage, requestId as id } from '../protocol/fields.js';
import { PUBLISHER_TYPES, type PublisherMessage } from '../protocol/messages.js';

/** Most state fields per env per message, and most announced label length. */
export const MAX_STATE_FIELDS = 64;
export const MAX_LABEL_LENGTH = 64;

const env = z.number().int().min(0).max(1_000_000);
const frame = z.number().int().min(0).optional();
const state = z.record(z.string().min(1).max(64), z.number()).refine((v) => Object.keys(v).length <= MAX_STATE_FIELDS, `at most ${MAX_STATE_FIELDS} state fields`);

const schemas = {
  ping: pingMessage,
  auth: authMessage,
  announce: z.object({
    type: z.literal('announce'),
    id,
    envs: z.number().int().min(1).max(100_000),
    labels: z.array(z.string().min(1).max(MAX_LABEL_LENGTH)).optional(),
    width: z.number().optional(),
    height: z.number().optional(),
  }),
  // `format` is checked by prepareFrame, so a bad one gets GBS_ERR_BAD_FORMAT, not a field error.
  pub_frame: z.object({ type: z.literal('pub_frame'), env, frame, format: z.string().max(16), data: z.instanceof(Uint8Array), state: state.optional() }),
  pub_state: z.object({ type: z.literal('pub_state'), env, frame, state }),
  progress: progressMessage,
} satisfies Record<PublisherMessage['type'], z.ZodType>;

/** @throws GbsError(UnknownType | BadField) */
export function parsePublisherMessage(map: Record<string, unknown> & { type: string }): PublisherMessage {
  const type = map.type;
  if (!(PUBLISHER_TYPES as readonly string[]).includes(type)) {
    throw new GbsError(ErrorCode.UnknownType, `unknown publisher message type ${JSON.stringify(type.slice(0, 40))}; expected one of ${PUBLISHER_TYPES.join(', ')}`);
  }
  const result = schemas[type as PublisherMessage['type']].safeParse(map);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new GbsError(ErrorCode.BadField, `bad "${type}" message at ${issue.path.join('.') || '(map)'}: ${issue.message}`);
  }
  return result.data as PublisherMessage;
}
