/**
 * Where published records go: the one interface between whatever produces records (an env's
 * pipeline, a worker relay, a replay) and whatever consumes them (broadcaster, recorder,
 * latest-frame store). Types only; browser-safe.
 */
import type { EventMessage, FrameMessage } from './messages.js';

export interface RecordSink {
  /** A frame: `record` is `message` encoded. Consumers may drop it (latest frame wins). */
  frame(record: Uint8Array, message: FrameMessage): void;
  /** An event: never dropped. */
  event(message: EventMessage): void;
  /**
   * An input-log record (start, inputs, checkpoint, episode: docs/recording-format.md), for the
   * recorder only; never dropped. Sinks that do not record leave it out.
   */
  log?(record: Uint8Array): void;
}

/** One sink that hands every record to each of `sinks`, in order. */
export function fanOut(...sinks: RecordSink[]): RecordSink {
  return {
    frame: (record, message) => {
      for (const sink of sinks) sink.frame(record, message);
    },
    event: (message) => {
      for (const sink of sinks) sink.event(message);
    },
    log: (record) => {
      for (const sink of sinks) sink.log?.(record);
    },
  };
}
