/**
 * When to let a client go (DESIGN §4): one that has made no progress draining for a deadline,
 * or whose queue passed a byte cap (control records are never dropped, so they can pile up on a
 * socket that never reads). A pure verdict; the server terminates and logs the reason.
 */
import { SOCKET_POLICY } from './socket-policy.js';

export interface LivenessState {
  readonly bufferedAmount: number;
  readonly inFlight: boolean;
  /** When a send callback last fired (ms, monotonic) or the client connected. */
  readonly lastDrainAt: number;
}

export interface LivenessLimits {
  /** No drain for this long while something is in flight → terminate. */
  stallMs: number;
  /** User-space queue larger than this → terminate. */
  byteCap: number;
}

export const DEFAULT_LIVENESS: LivenessLimits = { stallMs: SOCKET_POLICY.viewer.stallMs, byteCap: SOCKET_POLICY.viewer.outputCap };

export function livenessVerdict(client: LivenessState, now: number, limits: LivenessLimits = DEFAULT_LIVENESS): string | undefined {
  if (client.bufferedAmount > limits.byteCap) {
    return `send queue ${client.bufferedAmount} bytes passed the ${limits.byteCap}-byte cap`;
  }
  const stalled = now - client.lastDrainAt;
  if ((client.inFlight || client.bufferedAmount > 0) && stalled > limits.stallMs) {
    return `nothing drained for ${Math.round(stalled)} ms (limit ${limits.stallMs} ms)`;
  }
  return undefined;
}
