/**
 * Validation of client → server messages. A decoded record map becomes a typed ClientMessage or
 * a GbsError with a code that the connection answers with an `error` record.
 */
import { z } from 'zod';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import { authMessage, pingMessage, progressMessage, requestId as id } from '../protocol/fields.js';
import { BUTTONS, CLIENT_TYPES, type ClientMessage } from '../protocol/messages.js';

const observe = z.enum(['none', 'rgba', 'gray']).optional();

const buttons = z.array(z.enum(BUTTONS)).max(8);

/** Saved machine state bytes (msgpack bin), as a `machineState` answer gave them. */
const machineState = z.instanceof(Uint8Array).refine((b) => b.byteLength > 0, 'an empty state');

/** The envs of a batched `reset`/`step`: each at most once, so answers line up with requests. */
const envList = z
  .array(z.number().int().min(0))
  .min(1)
  .max(1024)
  .refine((envs) => new Set(envs).size === envs.length, 'an env may appear only once');

/** A `reset`/`step` names one env (`env`) or a batch (`envs`), never both. */
function oneOrBatch(m: { env?: number; envs?: number[] }, ctx: z.RefinementCtx): void {
  if (m.env !== undefined && m.envs !== undefined) ctx.addIssue({ code: 'custom', path: ['envs'], message: 'give either env (one env) or envs (a batch), not both' });
}

const schemas = {
  ping: pingMessage,
  auth: authMessage,
  input: z.object({
    type: z.literal('input'),
    id,
    env: z.number().int().min(0).optional(),
    buttons: z.array(z.enum(BUTTONS)).max(8),
    frames: z.number().int().min(1).max(600).optional(),
  }),
  command: z.object({
    type: z.literal('command'),
    id,
    env: z.number().int().min(0).optional(),
    name: z.string().min(1).max(32),
    args: z.record(z.string(), z.unknown()).optional(),
  }),
  subscribe: z.object({
    type: z.literal('subscribe'),
    id,
    envs: z.array(z.number().int().min(0)).max(1024).optional(),
    fps: z.number().min(1).max(60).optional(),
    thumbs: z.array(z.number().int().min(0)).max(1024).optional(),
    thumbFps: z.number().min(0.1).max(60).optional(),
    states: z.boolean().optional(),
    broadcasts: z.boolean().optional(),
  }),
  reset: z
    .object({
      type: z.literal('reset'),
      id,
      env: z.number().int().min(0).optional(),
      envs: envList.optional(),
      observe,
      state: machineState.optional(),
      states: z.array(machineState.nullable()).max(1024).optional(),
    })
    .superRefine((m, ctx) => {
      oneOrBatch(m, ctx);
      if (m.states === undefined) return;
      if (m.envs === undefined) ctx.addIssue({ code: 'custom', path: ['states'], message: 'states belong to a batch: give envs too (one env takes state)' });
      else if (m.state !== undefined) ctx.addIssue({ code: 'custom', path: ['states'], message: 'give either state (every env) or states (one per env), not both' });
      else if (m.states.length !== m.envs.length) ctx.addIssue({ code: 'custom', path: ['states'], message: `a batch needs one state (or null) per env: ${m.envs.length} envs, ${m.states.length} states` });
    }),
  snapshot: z.object({ type: z.literal('snapshot'), id, env: z.number().int().min(0).optional() }),
  step: z
    .object({
      type: z.literal('step'),
      id,
      env: z.number().int().min(0).optional(),
      buttons: buttons.optional(),
      envs: envList.optional(),
      actions: z.array(buttons).max(1024).optional(),
      frames: z.number().int().min(1).max(600).optional(),
      observe,
    })
    .superRefine((m, ctx) => {
      oneOrBatch(m, ctx);
      if (m.envs === undefined) {
        if (m.buttons === undefined) ctx.addIssue({ code: 'custom', path: ['buttons'], message: 'a step needs buttons (or envs and actions for a batch)' });
        if (m.actions !== undefined) ctx.addIssue({ code: 'custom', path: ['actions'], message: 'actions belong to a batch: give envs too' });
      } else if (m.buttons !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['buttons'], message: 'a batch gives one action per env in actions, not buttons' });
      } else if (m.actions?.length !== m.envs.length) {
        ctx.addIssue({ code: 'custom', path: ['actions'], message: `a batch needs one action per env: ${m.envs.length} envs, ${m.actions?.length ?? 0} actions` });
      }
    }),
  progress: progressMessage,
  release: z.object({ type: z.literal('release'), id, env: z.number().int().min(0).optional() }),
} satisfies Record<ClientMessage['type'], z.ZodType>;

/** @throws GbsError(UnknownType | BadField) */
export function parseClientMessage(map: Record<string, unknown> & { type: string }): ClientMessage {
  const type = map.type;
  if (!(CLIENT_TYPES as readonly string[]).includes(type)) {
    throw new GbsError(ErrorCode.UnknownType, `unknown message type ${JSON.stringify(type.slice(0, 40))}; expected one of ${CLIENT_TYPES.join(', ')}`);
  }
  const result = schemas[type as ClientMessage['type']].safeParse(map);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new GbsError(ErrorCode.BadField, `bad "${type}" message at ${issue.path.join('.') || '(map)'}: ${issue.message}`);
  }
  return result.data as ClientMessage;
}
