/**
 * The newest published frame of every env, for HTTP readers (`/api/state`, `/api/frame.jpg`,
 * `/stream.mjpg`): they always get the latest, never a queue.
 */
import type { FrameMessage } from '../protocol/messages.js';
import type { RecordSink } from '../protocol/sink.js';

export type FrameListener = (frame: FrameMessage) => void;

export class LatestFrames implements RecordSink {
  readonly #byEnv = new Map<number, FrameMessage>();
  readonly #listeners = new Set<FrameListener>();

  set(frame: FrameMessage): void {
    this.#byEnv.set(frame.env, frame);
    for (const listener of this.#listeners) listener(frame);
  }

  /** RecordSink: keeps the frame. */
  frame(_record: Uint8Array, message: FrameMessage): void {
    this.set(message);
  }

  /** RecordSink: events are not kept (HTTP readers ask for frames and state). */
  event(): void {}

  get(env: number): FrameMessage | undefined {
    return this.#byEnv.get(env);
  }

  envs(): number[] {
    return [...this.#byEnv.keys()].sort((a, b) => a - b);
  }

  /** Calls `listener` for every new frame; returns the unsubscribe function. */
  subscribe(listener: FrameListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
