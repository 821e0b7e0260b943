/**
 * The recorder in `/metrics` (issue 12 item 5): queued bytes, records and bytes written, files,
 * and whether it failed — from createMetrics alone, then from a real server that records.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serve } from '../src/app/serve.js';
import { createMetrics } from '../src/http/metrics.js';
import type { RecorderStats } from '../src/record/recorder.js';
import { testServeOptions } from './helpers/serve-options.js';
import { TestClient } from './helpers/ws-client.js';

const metric = (text: string, name: string) => {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

describe('recorder metrics (issue 12 item 5)', () => {
  it('exposes the recorder stats, and nothing about a recorder when there is none', async () => {
    const stats: RecorderStats = { records: 7, bytesWritten: 4096, queuedBytes: 123, files: ['a', 'b'], failed: true };
    const base = { clients: () => 0, framesPublished: () => 0, framesSent: () => 0, framesDropped: () => 0, emulatorFps: () => [] };
    const metrics = createMetrics({ ...base, recorder: () => stats });
    const text = await metrics.registry.metrics();
    expect(metric(text, 'gbstream_recorder_records_total')).toBe(7);
    expect(metric(text, 'gbstream_recorder_bytes_written_total')).toBe(4096);
    expect(metric(text, 'gbstream_recorder_queued_bytes')).toBe(123);
    expect(metric(text, 'gbstream_recorder_files')).toBe(2);
    expect(metric(text, 'gbstream_recorder_failed')).toBe(1);
    expect(await createMetrics(base).registry.metrics()).not.toContain('gbstream_recorder');
  });

  it('a real recording server reports records written and not failed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbs-rec-metrics-'));
    const serving = await serve(testServeOptions({ record: { file: join(dir, 'm.gbrec') } }));
    try {
      const client = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
      await client.waitFor((m) => m.type === 'frame' && (m['seq'] as number) >= 2, 15_000);
      await serving.recorder!.flush();
      const text = await (await fetch(new URL('/metrics', serving.server.url))).text();
      expect(metric(text, 'gbstream_recorder_records_total')).toBeGreaterThanOrEqual(3);
      expect(metric(text, 'gbstream_recorder_bytes_written_total')).toBeGreaterThan(0);
      expect(metric(text, 'gbstream_recorder_failed')).toBe(0);
      client.ws.close();
    } finally {
      await serving.stop();
    }
  });
});
