/**
 * The hub's small ties to a running server, shared by `gbstream hub` and `gbstream serve`:
 * what demand is computed from, `states` records for viewers that asked, and MJPEG readers
 * counted per env (an MJPEG reader wants its env's frames like a viewer does).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatesMessage } from '../protocol/messages.js';
import { encodeRecord } from '../protocol/record.js';
import type { Broadcaster } from '../server/broadcaster.js';
import type { DemandInputs } from './demand.js';

/** How often viewers that asked for `states` get them. */
export const STATES_EVERY_MS = 1000;

export type Route = (req: IncomingMessage, res: ServerResponse) => boolean;

/** MJPEG readers per env, counted as they come and go. */
export class StreamReaders {
  readonly #byEnv = new Map<number, number>();

  envs(): ReadonlySet<number> {
    return new Set(this.#byEnv.keys());
  }

  /** Wraps a route: a `/stream.mjpg?env=N` request counts for env N until its response closes. */
  around(route: Route): Route {
    return (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const env = Number(url.searchParams.get('env') ?? '0');
      if (url.pathname === '/stream.mjpg' && Number.isInteger(env) && env >= 0) {
        this.#byEnv.set(env, (this.#byEnv.get(env) ?? 0) + 1);
        res.on('close', () => {
          const n = (this.#byEnv.get(env) ?? 1) - 1;
          if (n <= 0) this.#byEnv.delete(env);
          else this.#byEnv.set(env, n);
        });
      }
      return route(req, res);
    };
  }
}

/** Demand inputs from a (maybe not yet started) server, a recorder and MJPEG readers. */
export function demandInputs(
  streamFps: number,
  broadcaster: () => Pick<Broadcaster, 'clients'> | undefined,
  recording: () => boolean,
  readers: StreamReaders,
): () => DemandInputs {
  return () => ({ streamFps, subscribers: [...(broadcaster()?.clients() ?? [])], recording: recording(), streamed: readers.envs() });
}

/** Sends a `states` record every STATES_EVERY_MS to clients that subscribed with `states: true`. */
export function startStatesFeed(broadcaster: Broadcaster, states: () => StatesMessage['envs']): () => void {
  const timer = setInterval(() => {
    const wanting = [...broadcaster.clients()].filter((c) => c.states);
    if (wanting.length === 0) return;
    const record = encodeRecord({ type: 'states', ts: Date.now(), envs: states() } satisfies StatesMessage);
    for (const client of wanting) broadcaster.sendControl(client, record);
  }, STATES_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
