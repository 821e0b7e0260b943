/**
 * Node ↔ node records of a gbstream cluster (src/cluster/, docs/cluster.md). They travel on NATS
 * subjects as ordinary records (u32 length + msgpack map), one record per NATS message; frames
 * cross as the `frame` records viewers get, numbered as on the node that owns the env.
 *
 *   node      every node, every second: who it is; its own envs (never the remote ones it shows) when they changed
 *   lease     a node wants frames of another node's envs (renewed every second, expires after 3)
 *   nstates   a node's own envs' latest state, once a second
 *   nwrapper  a StreamWrapper message posted to a node's /broadcast, for every Map view
 *   nprogress training numbers posted to a node (latest per source, at most twice a second)
 *   rinput    input for one of the owner's envs (request/reply), answered by `rreply`
 *   rcommand  a command for one of the owner's envs (request/reply), answered by `rreply`
 */
import type { Button } from './client-messages.js';
import type { EnvCapabilities, FrameFormat, StatesMessage } from './server-messages.js';

/** One env as its node announces it (ids are the owner's). */
export interface ClusterEnv {
  env: number;
  label: string;
  /** What it is on its node. */
  source: 'local' | 'published';
  live: boolean;
  width: number;
  height: number;
  can: EnvCapabilities;
}

export interface NodeAnnounce {
  type: 'node';
  node: string;
  /** A random id of this run: two processes started with the same node name tell each other apart. */
  instance?: string;
  ts: number;
  /** How often it announces, ms (the others expire it after a few of these). */
  everyMs: number;
  /** Leaving: forget me now (a clean shutdown). */
  bye?: boolean;
  site: 'serve' | 'hub';
  rom: { title: string; sha1: string; cgb: string };
  core?: string;
  /** Memory map name and its fields. */
  map: string | null;
  fields: string[];
  format: FrameFormat;
  fps: number;
  /**
   * Its own envs: in the first announcement, whenever they change, every 30 s, and when a node it
   * did not know appears; absent in the other (heartbeat) announcements.
   */
  envs?: ClusterEnv[];
  /** Nodes whose env table this node lacks (it heard only their heartbeats): they send it now. */
  want?: string[];
}

export interface LeaseMessage {
  type: 'lease';
  /** The node that wants frames. */
  node: string;
  ts: number;
  /** `[env, fps]` pairs (owner's ids); an env left out (or fps 0) is not wanted. */
  envs: Array<[number, number]>;
}

export interface NodeStatesMessage {
  type: 'nstates';
  node: string;
  ts: number;
  envs: StatesMessage['envs'];
}

export interface NodeWrapperMessage {
  type: 'nwrapper';
  node: string;
  /** The StreamWrapper message as JSON text, as it would arrive at /broadcast. */
  text: string;
}

export interface NodeProgressMessage {
  type: 'nprogress';
  node: string;
  /** Who posted them on that node (as `progress.source`). */
  source: string;
  values: Record<string, number>;
}

/**
 * The credential that travels with input and commands: the control token of the node that
 * forwards it (its viewer proved it knows that token), or none when that node is open. The
 * owning node checks it against its own control policy.
 */
export interface RemoteInputMessage {
  type: 'rinput';
  node: string;
  env: number;
  buttons: Button[];
  frames: number;
  token?: string;
}

export interface RemoteCommandMessage {
  type: 'rcommand';
  node: string;
  env: number;
  name: string;
  args: Record<string, unknown>;
  token?: string;
}

export interface RemoteReplyMessage {
  type: 'rreply';
  ok: boolean;
  code?: string;
  message?: string;
}

export type ClusterMessage = NodeAnnounce | LeaseMessage | NodeStatesMessage | NodeWrapperMessage | NodeProgressMessage | RemoteInputMessage | RemoteCommandMessage | RemoteReplyMessage;
