/**
 * Input policies: what buttons the emulator holds each frame when no agent drives it.
 * `idle` holds nothing, `random` wanders (seeded), `script:FILE` plays a button script in a loop.
 */
import type { Button } from '../protocol/messages.js';

export interface Policy {
  readonly name: string;
  /** Buttons to hold during emulated frame `frame`. */
  buttons(frame: number): readonly Button[];
}

const NONE: readonly Button[] = [];

export const idlePolicy: Policy = { name: 'idle', buttons: () => NONE };
