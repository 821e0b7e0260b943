/**
 * The one interface between the site (src/app/site.ts: HTTP, WebSocket endpoints, fan-out,
 * recorder, map, progress, shutdown) and whatever supplies envs. Five sources implement it:
 *
 *   local envs      emulators in this process and its worker threads   (local-source.ts)
 *   publishers      trainers elsewhere sending frames and state         (publisher-source.ts)
 *   /broadcast      StreamWrapper agents sending map positions, no envs (stream-wrapper-source.ts)
 *   a recording     a .gbrec file played back                           (recording-source.ts)
 *   an input log    a .gbrec input log re-emulated (`replay --rom`)     (input-log-source.ts)
 *   other nodes     the envs of a cluster's other nodes, over NATS      (cluster/cluster-source.ts)
 *
 * A source's life: constructed (everything that can fail, fails here: nothing to undo), `start`ed
 * once with the site's context, asked for its envs, numbers and state whenever the site needs
 * them, given input and commands for its envs, `close`d once. It never sees a socket of a viewer,
 * the recorder or the HTTP server; its records go out through `SiteContext.sink`, and the site
 * decides who gets them. The site never knows which kind of source it talks to.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { DemandInputs, Subscription } from '../hub/demand.js';
import type { Logger } from '../log.js';
import type { Button, EnvCapabilities, EnvInfo, HelloMessage, ServerMessage, StatesMessage, StatsMessage } from '../protocol/messages.js';
import type { RecordSink } from '../protocol/sink.js';
import type { AgentPort } from '../server/agents.js';
import type { WrapperMessage } from '../map/wrapper-message.js';

/** An env as a source announces it: ids are the site's (sources are given disjoint ranges). */
export type SourceEnv = EnvInfo & { can: EnvCapabilities };

/** One env's numbers, for `stats`, `/api/health` and metrics. */
export interface EnvNumbers {
  env: number;
  /** Frames published per second. */
  fps: number;
  /** Emulated frames per second (an env without an emulator speed: its state rate). */
  emuFps: number;
  /** Emulation speed (an env without an emulator speed: meaningless, not shown). */
  speed: number;
  /** Frames published since start. */
  published: number;
}

/** A WebSocket upgrade the site hands to a source (publishers on `/ws`, StreamWrappers on `/broadcast`). */
export interface SourceEndpoint {
  /** URL path the upgrade asks for. */
  path: string;
  /** Taken only when the client offers this subprotocol (publishers share `/ws` with viewers). */
  subprotocol?: string;
  /** Takes the connection (after the site's Host and Origin checks). Never throws. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** What the site gives a source when it starts: where its records go and what it may ask. */
export interface SiteContext {
  /** Frames and events of the source's envs: to the latest-frame store, the map, viewers and the recorder. */
  readonly sink: RecordSink;
  /** A record for every viewer, never dropped (a recording's `positions` and `progress`). */
  control(message: ServerMessage): void;
  /** Who wants frames of which env now (viewers' subscriptions, the recorder, MJPEG readers). */
  demand(streamFps: number): DemandInputs;
  /** Training numbers, coalesced and sent to viewers; the latest answers GET /api/progress. */
  progress(values: Record<string, number>, source: string): void;
  /** Time spent encoding one frame here (metrics). */
  observeEncode(seconds: number): void;
  /** A StreamWrapper message for the Map view. */
  wrapper(message: WrapperMessage): void;
  readonly log: Logger;
  /** The whole site, for a source that shares its envs with other nodes (a cluster). */
  readonly whole: WholeSite;
}

/** What a source that shares this site with other nodes (src/cluster/) sees of it. */
export interface WholeSite {
  /** Every env of every source, in id order. */
  envs(): SourceEnv[];
  /** Latest state of every env. */
  states(): StatesMessage['envs'];
  hello(): Omit<HelloMessage, 'control'>;
  /** Sees every frame any source sends, every StreamWrapper message and every training progress posted here. */
  tap(tap: { frame?: RecordSink['frame']; wrapper?(message: WrapperMessage): void; progress?(values: Record<string, number>, source: string): void }): void;
  /** Input and commands, to the source that owns the env (as a viewer's are routed). */
  input(env: number, buttons: readonly Button[], frames: number): Promise<void>;
  command(env: number, name: string, args: Record<string, unknown>): void | Promise<void>;
  /** Demand from elsewhere (other nodes' leases), counted like viewers' subscriptions. */
  demandFrom(subscriptions: () => Iterable<Subscription>): void;
}

export interface EnvSource {
  /** What it is, for logs and `/api/health` (`sources`). */
  readonly kind: 'local' | 'publishers' | 'stream-wrappers' | 'recording' | 'cluster';
  /** What its envs can do (per env in `envs()`; this is the default for the site's hello). */
  readonly can: EnvCapabilities;
  /** Its envs now. May change while running (publishers come and go); the source then sends a `GBS_ENVS_CHANGED` event through the sink. */
  envs(): SourceEnv[];
  /** Env ids it holds, as highest id + 1 (0 when none): ids below are taken, by it or an earlier source. */
  slots(): number;
  /** Starts producing (emulators run, publishers are taken, playback may begin). Called once. */
  start(site: SiteContext): void;
  /** Viewer input for one of its envs. Rejects with GbsError when the env takes no input. */
  input?(env: number, buttons: readonly Button[], frames: number): Promise<void>;
  /** A command for one of its envs (or, for a recording, for the playback). Throws/rejects GbsError. */
  command?(env: number, name: string, args: Record<string, unknown>): void | Promise<void>;
  /** Agent lockstep (reset, step, snapshot) on its envs. */
  readonly agents?: AgentPort;
  /** Numbers of its live envs. */
  stats(): EnvNumbers[];
  /** Newer state than its latest frames carry (publishers send state without pixels). */
  states?(): StatesMessage['envs'];
  /** Connections it takes. */
  readonly endpoints?: readonly SourceEndpoint[];
  /** A viewer connected (a recording waiting for its first viewer starts playing). */
  viewerJoined?(): void;
  /** A recording's clock, for `stats.playback`. */
  playback?(): NonNullable<StatsMessage['playback']>;
  /** Source-specific fields of `/api/health` (the shared ones are the site's). */
  health?(): Record<string, unknown>;
  /** Stops producing and lets go of every timer, thread, socket and file. Called once. */
  close(): Promise<void>;
}

export { LOCAL_CAN, PUBLISHED_CAN, RECORDED_CAN } from '../protocol/capabilities.js';
