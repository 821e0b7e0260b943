/**
 * A source makes its producers (envs, a hub) before the site starts it; their records go through
 * this sink, which drops them until the site's sink is bound at `start`.
 */
import type { RecordSink } from '../protocol/sink.js';

export class LateSink implements RecordSink {
  #to: RecordSink | undefined;

  bind(sink: RecordSink): void {
    this.#to = sink;
  }

  frame: RecordSink['frame'] = (record, message) => this.#to?.frame(record, message);
  event: RecordSink['event'] = (message) => this.#to?.event(message);
  log: NonNullable<RecordSink['log']> = (record) => this.#to?.log?.(record);
}
