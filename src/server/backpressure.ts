/**
 * The backpressure policy, as one pure decision: latest frame wins (DESIGN §4).
 *
 * A frame goes to a client only when nothing is in flight to it and its user-space queue plus the
 * frame stays under the high-water mark (about two frames). Otherwise that client skips this
 * frame; the next one supersedes it, and since every JPEG is a keyframe nothing is corrupted.
 * Control records never pass through here: they are never dropped.
 */

/** What the decision looks at: a `ws` WebSocket has both. */
export interface FlowState {
  /** Bytes queued in user space (ws counts only its own queue, not the kernel's). */
  readonly bufferedAmount: number;
  /** True while the `send` callback of the last frame has not fired. */
  readonly inFlight: boolean;
}

export type SendDecision = 'send' | 'drop-in-flight' | 'drop-buffered';

/** Smallest high-water mark, so tiny frames don't make the limit absurdly tight. */
export const MIN_HIGH_WATER_BYTES = 32 * 1024;

/** High-water mark for a frame of `frameBytes`: room for about two frames. */
export function highWaterFor(frameBytes: number): number {
  return Math.max(2 * frameBytes, MIN_HIGH_WATER_BYTES);
}

export function shouldSend(client: FlowState, frameBytes: number, highWater = highWaterFor(frameBytes)): SendDecision {
  if (client.inFlight) return 'drop-in-flight';
  if (client.bufferedAmount + frameBytes > highWater) return 'drop-buffered';
  return 'send';
}
