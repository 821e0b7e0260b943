/**
 * Keyboard and on-screen buttons → `input` messages. Arrows for the d-pad, Z/X for A/B,
 * Enter/Shift for Start/Select. While buttons are held, the current set is re-sent every
 * REPEAT_MS for slightly longer than that, so a lost key-up never sticks a button for long.
 */
import type { Button } from '../../src/protocol/messages.js';

export const KEYS: Record<string, Button> = {
  ArrowUp: 'up',
  ArrowDown: 'down',
  ArrowLeft: 'left',
  ArrowRight: 'right',
  KeyZ: 'a',
  KeyX: 'b',
  Enter: 'start',
  ShiftLeft: 'select',
  ShiftRight: 'select',
};

export const REPEAT_MS = 100;
/** Frames each input holds: a little over REPEAT_MS at 59.73 frames/s. */
export const HOLD_FRAMES = 8;

export class InputController {
  readonly #held = new Set<Button>();
  readonly #send: (buttons: Button[], frames: number) => void;
  #timer = 0;
  enabled = false;
  /** False when the focused env takes no input at all (a published or recorded env): keys do nothing. */
  available = true;

  constructor(send: (buttons: Button[], frames: number) => void) {
    this.#send = send;
  }

  /**
   * Without control, a press is still sent once (never repeated) so that the server's refusal
   * reaches the page and is shown, rather than the key doing nothing in silence.
   */
  #tryOnce(button: Button): void {
    this.#send([button], HOLD_FRAMES);
  }

  press(button: Button): void {
    if (!this.available) return;
    if (!this.enabled) {
      this.#tryOnce(button);
      return;
    }
    if (this.#held.has(button)) return;
    this.#held.add(button);
    this.#emit();
    if (!this.#timer) this.#timer = window.setInterval(() => this.#emit(), REPEAT_MS);
  }

  release(button: Button): void {
    if (!this.#held.delete(button)) return;
    if (this.#held.size === 0) {
      clearInterval(this.#timer);
      this.#timer = 0;
    } else this.#emit();
  }

  releaseAll(): void {
    for (const b of [...this.#held]) this.release(b);
  }

  #emit(): void {
    if (this.#held.size) this.#send([...this.#held], HOLD_FRAMES);
  }

  /** Wires keyboard events on `target`; keys are ignored while typing in a form field. */
  attachKeyboard(target: Window): void {
    target.addEventListener('keydown', (ev) => {
      const b = KEYS[ev.code];
      if (!b || isTyping(ev.target)) return;
      // Enter on a focused button (an env cell, Fullscreen…) activates that button, not Start.
      if (b === 'start' && isActivatable(ev.target)) return;
      if (!this.enabled) {
        if (!ev.repeat) this.press(b);
        return;
      }
      ev.preventDefault();
      this.press(b);
    });
    target.addEventListener('keyup', (ev) => {
      const b = KEYS[ev.code];
      if (b) this.release(b);
    });
    target.addEventListener('blur', () => this.releaseAll());
  }

  /** Wires on-screen buttons: elements with `data-button="up"` etc. */
  attachButtons(root: HTMLElement): void {
    for (const el of root.querySelectorAll<HTMLElement>('[data-button]')) {
      const b = el.dataset['button'] as Button;
      el.addEventListener('pointerdown', (ev) => {
        ev.preventDefault();
        el.setPointerCapture?.(ev.pointerId);
        this.press(b);
      });
      for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) el.addEventListener(type, () => this.release(b));
    }
  }
}

function isActivatable(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.tagName === 'BUTTON' || target.tagName === 'A' || target.tagName === 'SELECT' || target.tagName === 'SUMMARY');
}

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable);
}
