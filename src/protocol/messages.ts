/**
 * The one message schema of protocol v1, shared by server, viewer, recorder and tests.
 *
 * A record on the wire is `uint32 BE length` + one msgpack map; every map has a `type`.
 * Server → client: hello, frame, stats, event, ack, error, pong, states.
 * Client → server: ping, input, command, subscribe.
 * Publisher ↔ server (a connection opened with the `gbstream.publish.v1` subprotocol): after
 * `auth`, the publisher sends announce, pub_frame, pub_state, progress; the server answers with
 * announced and demand (see `PublisherMessage`).
 */

/** Game-state values by field name (numbers read from memory through the bus). */
export type GameState = Record<string, number>;

export interface RomInfo {
  title: string;
  /** 'dmg' (Game Boy only), 'cgb-enhanced' (runs on both) or 'cgb-only'. */
  cgb: 'dmg' | 'cgb-enhanced' | 'cgb-only';
  /** Cartridge type byte 0x147, e.g. 0x13 = MBC3+RAM+BATTERY. */
  cartridgeType: number;
  /** Human name of the cartridge type. */
  cartridgeName: string;
  /** Size of the file in bytes. */
  size: number;
  /** SHA-1 of the whole file, lowercase hex. */
  sha1: string;
  /** Whether the header checksum (0x14D) matched. */
  headerChecksumOk: boolean;
}

export interface HelloMessage {
  type: 'hello';
  protocol: number;
  server: string;
  rom: RomInfo;
  envs: number;
  fps: number;
  width: number;
  height: number;
  /** Emulation speed: a multiplier of 59.73 frames/s, or 'max'. */
  speed: number | 'max';
  /** Name of the memory map in use, or null. */
  map: string | null;
  /** Game-state field names, in map order: the keys of every `frame.state`. */
  fields: string[];
  encoder: string;
  /**
   * The stream's default image format (`--format`); each `frame.format` still says which its bytes
   * are. Absent in recordings made before PNG frames existed: read it as `jpeg`.
   */
  format?: FrameFormat;
  /**
   * The emulator core: "serverboy", "gambatte", or a libretro core's own library_name.
   * Absent in recordings made before cores could be chosen (they ran serverboy).
   */
  core?: string;
  /** Whether this client may send `input`/`command`. */
  control: boolean;
  /** Present when the server replays a recording (`gbstream replay`): enables replay controls. */
  replay?: ReplayInfo;
  /**
   * Every env with its label, when envs can come and go (a hub, or a server that takes
   * publishers). `envs` is then the number of env slots (highest id + 1). Absent: envs 0..envs-1.
   */
  envList?: EnvInfo[];
}

/** One env as listed in `hello.envList` and in the `GBS_ENVS_CHANGED` event. */
export interface EnvInfo {
  env: number;
  label: string;
  /** `local`: an emulator in this server; `published`: frames from a publisher. */
  source: 'local' | 'published';
  /** False once its publisher is gone (the slot comes back if a publisher announces the same label). */
  live: boolean;
  width: number;
  height: number;
}

/** What a replay server tells viewers about the recording, for a seek bar. */
export interface ReplayInfo {
  /** Recorded time from the first to the last frame, ms. */
  durationMs: number;
  frames: number;
  /** `ts` of the first frame: a frame's position is `frame.ts - startTs`. */
  startTs: number;
}

/** Image formats a frame's `data` can have. */
export type FrameFormat = 'jpeg' | 'png';

export interface FrameMessage {
  type: 'frame';
  env: number;
  /** Published frame sequence number per env, increasing by one per published frame. */
  seq: number;
  /** Emulated frame number. */
  frame: number;
  /** Capture time, ms since the Unix epoch. */
  ts: number;
  width: number;
  height: number;
  /** What `data` holds: a JPEG, or a lossless (usually palette) PNG. */
  format: FrameFormat;
  data: Uint8Array;
  state: GameState;
}

export interface StatsMessage {
  type: 'stats';
  ts: number;
  /** Frames sent to this client since it connected. */
  sent: number;
  /** Frames dropped for this client (backpressure) since it connected. */
  dropped: number;
  /** Frames published per second over the last second. */
  fps: number;
  /** Emulated frames per second over the last second. */
  emuFps: number;
  /** Emulation speed relative to the Game Boy's 59.73 frames/s. */
  speed: number;
  clients: number;
  /** The emulator core running the envs (as in `hello.core`). */
  core?: string;
  /** Per-env numbers when the server runs several envs. */
  envs?: Array<{ env: number; fps: number; emuFps: number; speed: number }>;
}

export interface EventMessage {
  type: 'event';
  ts: number;
  level: 'info' | 'warn' | 'error';
  code: string;
  message: string;
  /**
   * With code `GBS_ENVS_CHANGED` (EventCode.EnvsChanged): the whole env list after the change. An
   * event, so recordings and replays carry it like any other.
   */
  envs?: EnvInfo[];
  /** With `envs`: the number of env slots (highest id + 1). */
  count?: number;
}

/**
 * The latest state of many envs at once (about once a second), for viewers that sort, filter or
 * follow envs they get no frames of. Sent only to clients that subscribed with `states: true`.
 */
export interface StatesMessage {
  type: 'states';
  ts: number;
  envs: Array<{ env: number; frame: number; ts: number; state: GameState }>;
}

export interface AckMessage {
  type: 'ack';
  /** The `id` of the request, when it had one. */
  id?: number;
  of: string;
}

export interface ErrorMessage {
  type: 'error';
  id?: number;
  code: string;
  message: string;
}

export interface PongMessage {
  type: 'pong';
  id?: number;
  /** The client's `ping.t`, echoed. */
  t?: number;
  /** Server time when answering, ms since epoch: for clock-offset estimates. */
  serverTs: number;
}

/**
 * Training numbers (episode, step, reward, loss, …) published by an agent over WebSocket or by
 * any script with `POST /api/progress`; every viewer gets them at once and charts them.
 * `step` with `total` gives steps/s and an ETA.
 */
export interface ProgressMessage {
  type: 'progress';
  ts: number;
  /** Who published it (e.g. "ws:3" or "http"). */
  source?: string;
  values: Record<string, number>;
}

/** An agent's observation, answering `reset` or `step`. */
export interface ObsMessage {
  type: 'obs';
  id?: number;
  env: number;
  /** Emulated frame number after the step. */
  frame: number;
  state: GameState;
  /** Raw pixels when asked for: RGBA (4 bytes/pixel) or grayscale (1 byte/pixel), row-major. */
  screen?: Uint8Array;
  screenFormat?: 'rgba' | 'gray';
  width?: number;
  height?: number;
}

/**
 * Observations of many envs, answering a batched `reset` or `step` (one answer for the batch).
 * Entry i of `envs`, `frames` and `states` belongs to the i-th env of the request; `screen` packs
 * their screens one after another (n × height × width × bytes per pixel, row-major).
 */
export interface ObsBatchMessage {
  type: 'obsBatch';
  id?: number;
  envs: number[];
  /** Emulated frame number of each env after the step. */
  frames: number[];
  states: GameState[];
  screen?: Uint8Array;
  screenFormat?: 'rgba' | 'gray';
  width?: number;
  height?: number;
}

/** An env's machine state, answering a `snapshot` request. */
export interface MachineStateMessage {
  type: 'machineState';
  id?: number;
  env: number;
  /** Emulated frame number the state was taken at. */
  frame: number;
  /** Opaque bytes, loadable by the same core running the same ROM. */
  data: Uint8Array;
}

/**
 * One agent on the Map view: a gbstream env (with `env`, whose video can be focused) or a trainer's
 * StreamWrapper on `/broadcast` (with `user`). Positions are local (`map`, `x`, `y`) and global
 * (`gx`, `gy` on the layout's canvas; null when the layout has no place for that map).
 */
export interface MapAgentUpdate {
  /** Stable key: `env:N` for gbstream envs, `ws:USER:ENV_ID` for StreamWrapper agents. */
  id: string;
  /** The gbstream env whose video this agent is, when it has one. */
  env?: number;
  /** The trainer's env id (StreamWrapper `env_id`), or the gbstream env number. */
  envId: number | string | null;
  user?: string;
  label: string;
  /** CSS colour `#rrggbb`. */
  color: string;
  extra?: string;
  map: number;
  x: number;
  y: number;
  gx: number | null;
  gy: number | null;
  /**
   * Global points, oldest first, flattened `[gx0, gy0, gx1, gy1, …]`: the points visited since the
   * previous `positions` record, or in a `full` record the agent's recent trail.
   */
  path: number[];
  /** Last update, ms since epoch. */
  updatedAt: number;
}

/**
 * Where the Map view's agents are. Sent a few times a second with the agents that moved (their
 * new points in `path`), and recorded, so replays show the map. A `full` record (sent to a viewer
 * that joins, and written to recordings now and then so a seek recovers) carries every agent with
 * its trail and the visit counts so far; a viewer replaces what it had with it.
 */
export interface PositionsMessage {
  type: 'positions';
  ts: number;
  /** The layout the global positions are on: its name and canvas size in position units. */
  layout: { name: string; width: number; height: number };
  agents: MapAgentUpdate[];
  full?: boolean;
  /** With `full`: visit counts, flattened `[gx, gy, count, …]` for every visited cell. */
  visits?: number[];
}

export type ServerMessage =
  | HelloMessage
  | StatesMessage
  | MachineStateMessage
  | PositionsMessage
  | ObsMessage
  | ObsBatchMessage
  | ProgressMessage
  | FrameMessage
  | StatsMessage
  | EventMessage
  | AckMessage
  | ErrorMessage
  | PongMessage;

/** Game Boy buttons, as named on the wire. */
export const BUTTONS = ['right', 'left', 'up', 'down', 'a', 'b', 'select', 'start'] as const;
export type Button = (typeof BUTTONS)[number];

export interface PingMessage {
  type: 'ping';
  id?: number;
  t?: number;
}

export interface InputMessage {
  type: 'input';
  id?: number;
  env?: number;
  buttons: Button[];
  /** How many frames to hold the buttons (default 1). */
  frames?: number;
}

export interface CommandMessage {
  type: 'command';
  id?: number;
  /** Which env (default 0). */
  env?: number;
  name: string;
  args?: Record<string, unknown>;
}

/**
 * Chooses what this client receives: frames of `envs` only (omitted: every env), at most `fps`
 * frames per second per env (omitted: every published frame); plus `thumbs` at `thumbFps`
 * (default 2) for a grid of thumbnails, and `states` records when `states` is true. A client
 * that never subscribes gets every env at the stream's fps. Answered by `ack`.
 */
export interface SubscribeMessage {
  type: 'subscribe';
  id?: number;
  envs?: number[];
  fps?: number;
  thumbs?: number[];
  thumbFps?: number;
  states?: boolean;
}

/** Claims control rights with the server's control token (sent first, never in a URL). */
export interface AuthMessage {
  type: 'auth';
  id?: number;
  token: string;
}

export type Observe = 'none' | 'rgba' | 'gray';

/**
 * Takes `env` for this agent (lockstep) and restarts it — from power-on, or from `state` (bytes of
 * a `machineState` of the same core and ROM); answered by `obs`.
 */
export interface SingleResetMessage {
  type: 'reset';
  id?: number;
  env?: number;
  observe?: Observe;
  state?: Uint8Array;
}

/**
 * Takes every env of `envs` for this agent and restarts them; answered by one `obsBatch`.
 * `state` starts every env from one saved state; `states[i]` starts env `envs[i]` from its own
 * (null: power-on). At most one of the two.
 */
export interface BatchResetMessage {
  type: 'reset';
  id?: number;
  envs: number[];
  observe?: Observe;
  state?: Uint8Array;
  states?: Array<Uint8Array | null>;
}

export type ResetMessage = SingleResetMessage | BatchResetMessage;

/** Holds `buttons` for `frames` frames on a taken env, then answers with `obs`. */
export interface SingleStepMessage {
  type: 'step';
  id?: number;
  env?: number;
  buttons: Button[];
  frames?: number;
  observe?: Observe;
}

/**
 * Lockstep for many envs in one request: env `envs[i]` holds `actions[i]` for `frames` frames.
 * The envs step concurrently (one per worker); one `obsBatch` answers when the last is done.
 */
export interface BatchStepMessage {
  type: 'step';
  id?: number;
  envs: number[];
  actions: Button[][];
  frames?: number;
  observe?: Observe;
}

export type StepMessage = SingleStepMessage | BatchStepMessage;

/**
 * Asks for the whole machine state of `env` (not driven by another agent), answered by a
 * `machineState` with the bytes; a later `reset {state}` resumes exactly there.
 */
export interface SnapshotRequestMessage {
  type: 'snapshot';
  id?: number;
  env?: number;
}

/** Gives the env back to free running; answered by `ack`. Disconnecting does the same. */
export interface ReleaseMessage {
  type: 'release';
  id?: number;
  env?: number;
}

/** An agent publishes training numbers; needs control rights; answered by `ack`. */
export interface PublishProgressMessage {
  type: 'progress';
  id?: number;
  values: Record<string, number>;
}

export type ClientMessage =
  | PublishProgressMessage
  | PingMessage
  | AuthMessage
  | InputMessage
  | CommandMessage
  | SubscribeMessage
  | ResetMessage
  | StepMessage
  | SnapshotRequestMessage
  | ReleaseMessage;

/** Raw pixel formats a publisher may send (row-major, no padding), or a ready JPEG or PNG. */
export type PubFrameFormat = 'rgb' | 'rgba' | 'gray' | 'jpeg' | 'png';

/**
 * Publisher → server: the envs this publisher runs. `labels` name them (default "<host>/i"); a
 * label that a gone publisher used gets its old env id back. Answered by `announced`, then `demand`.
 */
export interface AnnounceMessage {
  type: 'announce';
  id?: number;
  envs: number;
  labels?: string[];
  /** Size of every raw frame (default 160×144). */
  width?: number;
  height?: number;
}

/** Publisher → server: one frame of env `env` (an index into this publisher's envs). */
export interface PubFrameMessage {
  type: 'pub_frame';
  env: number;
  /** The publisher's own frame or step counter (default: the server counts). */
  frame?: number;
  format: PubFrameFormat;
  data: Uint8Array;
  state?: GameState;
}

/** Publisher → server: state only (nobody wants pixels of this env). */
export interface PubStateMessage {
  type: 'pub_state';
  env: number;
  frame?: number;
  state: GameState;
}

export type PublisherMessage = PingMessage | AuthMessage | AnnounceMessage | PubFrameMessage | PubStateMessage | PublishProgressMessage;

/** Server → publisher: the server env id of each announced env, in announce order. */
export interface AnnouncedMessage {
  type: 'announced';
  id?: number;
  envs: number[];
  /** Largest publisher → server WebSocket message, bytes. */
  maxMessageBytes: number;
}

/**
 * Server → publisher, whenever it changes: `fps[i]` is how many frames per second of env i
 * someone wants (a focused viewer: the stream's fps; a thumbnail grid: a few; the recorder: the
 * stream's fps); 0 = nobody, send `pub_state` at `stateFps` instead.
 */
export interface DemandMessage {
  type: 'demand';
  ts: number;
  fps: number[];
  stateFps: number;
}

export type AnyMessage = ServerMessage | ClientMessage | PublisherMessage | AnnouncedMessage | DemandMessage;

export const SERVER_TYPES: readonly ServerMessage['type'][] = [
  'hello',
  'frame',
  'stats',
  'event',
  'ack',
  'error',
  'pong',
  'obs',
  'obsBatch',
  'machineState',
  'progress',
  'states',
  'positions',
];
export const CLIENT_TYPES: readonly ClientMessage['type'][] = ['ping', 'auth', 'input', 'command', 'subscribe', 'reset', 'step', 'snapshot', 'release', 'progress'];
export const PUBLISHER_TYPES: readonly PublisherMessage['type'][] = ['ping', 'auth', 'announce', 'pub_frame', 'pub_state', 'progress'];
