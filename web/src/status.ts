/**
 * The words of the status line from the connection state and, in HTTP fallback, the poller's
 * state. Pure (time passed in), so the wording is unit-tested; the page only paints it.
 * `state` picks the dot's colour, which only repeats what the text says.
 */
import { ErrorCode } from '../../src/protocol/constants.js';
import type { ConnState } from './connection.js';

/** HTTP fallback: off, before the first health answer, polling, or server unreachable. */
export type PollState = 'off' | 'starting' | 'ok' | 'down';

export interface StatusInput {
  conn: ConnState;
  poll: PollState;
  /** When the next WebSocket attempt is due (reconnecting), ms. */
  retryAt: number;
  /** When the next health check is due (fallback, server unreachable), ms. */
  pollRetryAt: number;
  now: number;
}

const CONN_TEXT: Record<ConnState, string> = {
  idle: 'Idle',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting',
  gone: 'Server gone',
  closed: 'Closed',
};

const secondsUntil = (t: number, now: number) => Math.max(0, Math.ceil((t - now) / 1000));

export function statusLine(s: StatusInput): { state: string; text: string } {
  if (s.conn === 'live' || s.poll === 'off') {
    if (s.conn === 'reconnecting') return { state: 'reconnecting', text: `Reconnecting in ${secondsUntil(s.retryAt, s.now)} s` };
    return { state: s.conn, text: CONN_TEXT[s.conn] };
  }
  switch (s.poll) {
    case 'ok':
      return { state: 'fallback', text: 'HTTP fallback (polling)' };
    case 'down':
      return { state: 'reconnecting', text: `HTTP fallback: server unreachable, retry in ${secondsUntil(s.pollRetryAt, s.now)} s` };
    case 'starting':
      return { state: 'connecting', text: 'HTTP fallback: connecting…' };
  }
}

/**
 * The words for a server's refusal (`error` record). An env an agent drives in lockstep refuses
 * everyone else's input and commands; that is not a fault, so it says who drives the env.
 */
export function refusalText(code: string, message: string): string {
  const env = /^env (\d+) is driven by an agent/.exec(message)?.[1];
  if (code === ErrorCode.EnvBusy && env !== undefined) return `Env ${env} is driven by an agent: it takes input and commands from that agent only until it lets go.`;
  return `Server refused: ${message} (${code})`;
}
