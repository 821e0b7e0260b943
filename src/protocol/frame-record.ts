/** The one builder of `frame` messages, so every producer fills the same fields the same way. */
import { SCREEN_HEIGHT, SCREEN_WIDTH } from './constants.js';
import type { FrameMessage } from './messages.js';
import { encodeRecord } from './record.js';

export type FrameFields = Omit<FrameMessage, 'type' | 'width' | 'height'> & Partial<Pick<FrameMessage, 'width' | 'height'>>;

/** Builds a `frame` message (a Game Boy screen unless `width`/`height` say otherwise) and its record bytes. */
export function frameRecord(fields: FrameFields): { message: FrameMessage; record: Uint8Array } {
  const message: FrameMessage = {
    type: 'frame',
    env: fields.env,
    seq: fields.seq,
    frame: fields.frame,
    ts: fields.ts,
    width: fields.width ?? SCREEN_WIDTH,
    height: fields.height ?? SCREEN_HEIGHT,
    format: fields.format,
    data: fields.data,
    state: fields.state,
  };
  return { message, record: encodeRecord(message) };
}
