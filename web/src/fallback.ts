/**
 * When to give up on WebSocket for now and poll the HTTP API instead: when `WebSocket` does not
 * exist, or after THRESHOLD attempts in a row that failed before ever opening (a proxy that
 * refuses upgrades, a firewall). A connection that opens ends the fallback at once. The
 * WebSocket keeps retrying on its own backoff meanwhile; this only watches its transitions.
 */
import type { ConnState } from './connection.js';

export const FALLBACK_AFTER_FAILURES = 3;

export class FallbackDecider {
  readonly threshold: number;
  #failures = 0;
  #unavailable = false;

  constructor(threshold = FALLBACK_AFTER_FAILURES) {
    this.threshold = threshold;
  }

  /** Feed every connection transition; returns whether the fallback is now active. */
  observe(from: ConnState, to: ConnState): boolean {
    if (to === 'live') {
      // It opened after all (the page may have got a WebSocket since): back to the socket.
      this.#failures = 0;
      this.#unavailable = false;
    }
    else if (from === 'connecting' && (to === 'reconnecting' || to === 'gone')) this.#failures++;
    return this.active;
  }

  /** The browser has no WebSocket at all. */
  markUnavailable(): void {
    this.#unavailable = true;
  }

  /** Attempts in a row that failed before opening. */
  get failures(): number {
    return this.#failures;
  }

  get active(): boolean {
    return this.#unavailable || this.#failures >= this.threshold;
  }
}
