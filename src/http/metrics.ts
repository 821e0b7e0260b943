/**
 * Prometheus metrics through prom-client: one registry per server, values read at scrape time
 * from the broadcaster and the pipeline (no double bookkeeping).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RecorderStats } from '../record/recorder.js';

export interface MetricsSource {
  clients(): number;
  framesPublished(): number;
  framesSent(): number;
  framesDropped(): number;
  emulatorFps(): Array<{ env: number; fps: number }>;
  /** The recorder's numbers, when the server records (no recorder metrics otherwise). */
  recorder?(): RecorderStats;
}

export interface Metrics {
  registry: Registry;
  /** Records one frame encode's duration in seconds. */
  observeEncode(seconds: number): void;
}

export function createMetrics(source: MetricsSource): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gbstream_process_' });
  new Gauge({ name: 'gbstream_clients', help: 'Connected WebSocket clients', registers: [registry], collect() { this.set(source.clients()); } });
  new Counter({ name: 'gbstream_frames_published_total', help: 'Frames published by the pipeline', registers: [registry], collect() { this.reset(); this.inc(source.framesPublished()); } });
  new Counter({ name: 'gbstream_frames_sent_total', help: 'Frame records sent to WebSocket clients (all clients since start)', registers: [registry], collect() { this.reset(); this.inc(source.framesSent()); } });
  new Counter({ name: 'gbstream_frames_dropped_total', help: 'Frame records dropped for slow clients (all clients since start)', registers: [registry], collect() { this.reset(); this.inc(source.framesDropped()); } });
  new Gauge({
    name: 'gbstream_emulator_fps',
    help: 'Emulated frames per second over the last second',
    labelNames: ['env'],
    registers: [registry],
    collect() {
      for (const { env, fps } of source.emulatorFps()) this.set({ env: String(env) }, fps);
    },
  });
  if (source.recorder) addRecorderMetrics(registry, source.recorder);
  const encode = new Histogram({
    name: 'gbstream_encode_seconds',
    help: 'Time to encode one frame as JPEG',
    buckets: [0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05],
    registers: [registry],
  });
  return { registry, observeEncode: (s) => encode.observe(s) };
}

/** The recorder: is it keeping up (queued bytes), what has it written, has it stopped. */
function addRecorderMetrics(registry: Registry, stats: () => RecorderStats): void {
  const counter = (name: string, help: string, pick: (s: RecorderStats) => number) =>
    new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(pick(stats())); } });
  const gauge = (name: string, help: string, pick: (s: RecorderStats) => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(pick(stats())); } });
  counter('gbstream_recorder_records_total', 'Records accepted by the recorder (hello records of each file included)', (s) => s.records);
  counter('gbstream_recorder_bytes_written_total', 'Bytes the recorder has written to disk', (s) => s.bytesWritten);
  gauge('gbstream_recorder_queued_bytes', 'Bytes waiting to be written (the queue is bounded; over its cap recording stops)', (s) => s.queuedBytes);
  gauge('gbstream_recorder_files', 'Recording files started so far (rotation included)', (s) => s.files.length);
  gauge('gbstream_recorder_failed', '1 when recording stopped on a disk failure or a full queue', (s) => (s.failed ? 1 : 0));
}
