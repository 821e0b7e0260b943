/**
 * Seeded random policy: holds one random button (mostly the d-pad) for a random run of frames,
 * so a game visibly wanders. The same seed gives the same button sequence.
 */
import type { Button } from '../protocol/messages.js';
import type { Policy } from './policy.js';

/** mulberry32: small, fast, good enough for choosing buttons; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Weighted towards movement; A and B now and then; never Start/Select (they open menus).
const CHOICES: readonly (readonly Button[])[] = [
  ['up'], ['down'], ['left'], ['right'],
  ['up'], ['down'], ['left'], ['right'],
  ['a'], ['b'], [],
];

export const MIN_RUN_FRAMES = 8;
export const MAX_RUN_FRAMES = 40;

export function randomPolicy(seed: number): Policy {
  const rand = mulberry32(seed);
  let current: readonly Button[] = [];
  let until = -1;
  return {
    name: `random(seed=${seed})`,
    buttons(frame) {
      if (frame >= until) {
        current = CHOICES[Math.floor(rand() * CHOICES.length)]!;
        until = frame + MIN_RUN_FRAMES + Math.floor(rand() * (MAX_RUN_FRAMES - MIN_RUN_FRAMES + 1));
      }
      return current;
    },
  };
}
