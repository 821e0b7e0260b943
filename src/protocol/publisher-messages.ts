/**
 * Protocol v1, publisher ↔ server (a connection opened with the `gbstream.publish.v1`
 * subprotocol): after `auth`, the publisher sends announce, pub_frame, pub_state, progress; the
 * server answers with announced and demand.
 */
import type { AuthMessage, PingMessage, PublishProgressMessage } from './client-messages.js';
import type { GameState } from './server-messages.js';

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

export const PUBLISHER_TYPES: readonly PublisherMessage['type'][] = ['ping', 'auth', 'announce', 'pub_frame', 'pub_state', 'progress'];
