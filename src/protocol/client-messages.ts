/**
 * Protocol v1, client → server: a viewer's requests (ping, auth, input, command, subscribe) and an
 * agent's (reset, step, snapshot, release, progress), single-env or batched.
 */

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
 * that never subscribes gets every env at the stream's fps. `broadcasts: false` also leaves out
 * every record sent to all viewers (`stats`, `event`, `progress`, map positions): an agent that
 * wants only the answers to its own requests says so, and a trainer that reads nothing between
 * steps for an hour is then sent nothing that could fill its socket. Answered by `ack`.
 */
export interface SubscribeMessage {
  type: 'subscribe';
  id?: number;
  envs?: number[];
  fps?: number;
  thumbs?: number[];
  thumbFps?: number;
  states?: boolean;
  broadcasts?: boolean;
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

export const CLIENT_TYPES: readonly ClientMessage['type'][] = ['ping', 'auth', 'input', 'command', 'subscribe', 'reset', 'step', 'snapshot', 'release', 'progress'];
