/**
 * The viewers' clocks: a heartbeat ping (a client that missed the last pong is cut off), and once
 * a second `stats` to every client after letting go of clients stuck past the liveness limits.
 */
import type { Logger } from '../log.js';
import type { StatsMessage } from '../protocol/messages.js';
import { encodeRecord } from '../protocol/record.js';
import type { Broadcaster } from './broadcaster.js';
import { livenessVerdict, type LivenessLimits } from './liveness.js';
import type { RecordTransport } from './stream-transport.js';
import { SOCKET_POLICY } from './socket-policy.js';

export const STATS_INTERVAL_MS = 1000;
export const HEARTBEAT_MS = SOCKET_POLICY.viewer.heartbeatMs;

export interface ServerStatsSource {
  fps: number;
  emuFps: number;
  speed: number;
  /** The emulator core (`stats.core`). */
  core?: string;
  /** Per-env numbers when there are several envs. */
  envs?: Array<{ env: number; fps: number; emuFps: number; speed: number }>;
  /** A replay's clock (`stats.playback`). */
  playback?: StatsMessage['playback'];
}

/** Starts both timers; returns the function that stops them. */
export function startViewerTimers(
  broadcaster: Broadcaster<RecordTransport>,
  alive: WeakMap<RecordTransport, boolean>,
  stats: () => ServerStatsSource,
  limits: LivenessLimits,
  heartbeatMs: number,
  log: Logger,
): () => void {
  const drop = (client: ReturnType<Broadcaster<RecordTransport>['add']>) => {
    broadcaster.remove(client);
    client.socket.terminate();
  };
  const heartbeat = setInterval(() => {
    for (const client of broadcaster.clients()) {
      if (!alive.get(client.socket)) {
        log.warn({ client: client.id }, 'terminating client: no pong to the last heartbeat ping');
        drop(client);
        continue;
      }
      alive.set(client.socket, false);
      client.socket.ping();
    }
  }, heartbeatMs);
  const statsTimer = setInterval(() => {
    const now = performance.now();
    for (const client of broadcaster.clients()) {
      const reason = livenessVerdict(client, now, limits);
      if (reason) {
        log.warn({ client: client.id, reason, sent: client.sent, dropped: client.dropped }, 'terminating stuck client');
        drop(client);
      }
    }
    sendStats(broadcaster, stats());
  }, Math.min(STATS_INTERVAL_MS, limits.stallMs / 2));
  heartbeat.unref();
  statsTimer.unref();
  return () => {
    clearInterval(heartbeat);
    clearInterval(statsTimer);
  };
}

function sendStats(broadcaster: Broadcaster<RecordTransport>, source: ServerStatsSource): void {
  const ts = Date.now();
  for (const client of broadcaster.clients()) {
    // An agent that reads nothing between steps would otherwise fill its socket with them and be
    // cut off as stuck (a Unix socket's buffer held about 30 minutes of them).
    if (!client.broadcasts) continue;
    broadcaster.sendControl(
      client,
      encodeRecord({
        type: 'stats',
        ts,
        sent: client.sent,
        dropped: client.dropped,
        fps: source.fps,
        emuFps: source.emuFps,
        speed: source.speed,
        clients: broadcaster.size,
        core: source.core,
        envs: source.envs && source.envs.length > 1 ? source.envs.map(({ env, fps, emuFps, speed }) => ({ env, fps, emuFps, speed })) : undefined,
        playback: source.playback,
      } satisfies StatsMessage),
    );
  }
}
