/**
 * Protocol v1, server → client: the records a viewer, recorder or agent receives (hello, frame,
 * stats, event, states, ack, error, pong, progress, and the agent answers obs, obsBatch,
 * machineState). The Map view's `positions` record is in map-messages.ts.
 */
import type { PositionsMessage } from './map-messages.js';

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
  /**
   * What the server is, for the viewer's header: `serve` (name: the ROM title), `hub`, or `replay`
   * (name: the recording's file name). Absent from servers before sites had kinds.
   */
  site?: SiteInfo;
  /**
   * What the envs of this server can do when `envList` does not say it per env (and what new envs
   * of it can do). Absent (older servers, older recordings): read it as a live emulator that takes
   * input from a client with control rights.
   */
  can?: EnvCapabilities;
}

/** The kind and name of a site, as the viewer's header shows them. */
export interface SiteInfo {
  kind: 'serve' | 'hub' | 'replay';
  name: string;
}

/**
 * What an env can do, so a viewer draws only controls that work: a d-pad where input is taken, an
 * "Emulator speed" where there is an emulator here, a seek bar where time can be moved.
 */
export interface EnvCapabilities {
  /** Takes `input` (and commands) from a client with control rights. */
  input: boolean;
  /** Runs on an emulator whose speed this server sets and measures (`stats.speed` is a speed). */
  emulatorSpeed: boolean;
  /** Its time can be moved (`command` `seek`): a recording. */
  seek: boolean;
}

/** One env as listed in `hello.envList` and in the `GBS_ENVS_CHANGED` event. */
export interface EnvInfo {
  env: number;
  label: string;
  /**
   * `local`: an emulator in this server; `published`: frames from a publisher; `remote`: an env of
   * another node of the cluster (`node` names it).
   */
  source: 'local' | 'published' | 'remote';
  /** A remote env's node (docs/cluster.md). */
  node?: string;
  /** False once its publisher is gone (the slot comes back if a publisher announces the same label). */
  live: boolean;
  width: number;
  height: number;
  /** What it can do; absent: as `hello.can` says. */
  can?: EnvCapabilities;
}

/** What a replay server tells viewers about the recording, for a seek bar. */
export interface ReplayInfo {
  /** Recorded time from the first to the last frame, ms. */
  durationMs: number;
  frames: number;
  /** `ts` of the first frame: a frame's position is `frame.ts - startTs`. */
  startTs: number;
  /** Playback speed now (a multiplier of recorded time); absent in older servers: 1. */
  speed?: number;
  /** Whether playback runs (false until the first viewer comes, unless started with `--autoplay`). */
  playing?: boolean;
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
  /**
   * A replay's clock: the recorded `ts` playback is at, at this record's `ts`, and whether it runs.
   * A viewer measures latency against it (a frame's `ts` is from the recording, not from now).
   */
  playback?: { ts: number; speed: number; paused: boolean };
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
