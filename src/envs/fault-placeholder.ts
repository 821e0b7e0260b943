/** What viewers see of an env whose emulator faulted, instead of a frozen picture that looks alive. */
import { SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';

/** A dark red 160×144 RGB picture with brighter stripes every 16 rows. */
export function faultPlaceholderPixels(): Uint8Array {
  const pixels = new Uint8Array(SCREEN_WIDTH * SCREEN_HEIGHT * 3);
  for (let i = 0; i < pixels.length; i += 3) {
    const stripe = Math.floor(i / 3 / SCREEN_WIDTH) % 16 < 2;
    pixels[i] = stripe ? 0x90 : 0x40;
    pixels[i + 1] = 0x10;
    pixels[i + 2] = 0x10;
  }
  return pixels;
}
