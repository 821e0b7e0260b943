import { spawn } from 'node:child_process';
import { diskFullAfterFirstWrite } from './helpers/failing-file.js';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serve, type ServeOptions } from '../src/app/serve.js';
import { silentLogger } from '../src/log.js';
import { memoryByteSource, readRecordings, type RecordItem } from '../src/record/file-reader.js';
import { CLI } from './helpers/cli.js';
import { TestClient } from './helpers/ws-client.js';

const base: ServeOptions = { port: 0, host: '127.0.0.1', fps: 10, quality: 30, speed: 1, policy: { kind: 'random' }, seed: 3, force: false, sound: false, log: silentLogger() };

/** Splits a WebSocket message into its records' raw bytes. */
function splitRecords(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += 4 + data.readUInt32BE(at)) out.push(data.subarray(at, at + 4 + data.readUInt32BE(at)));
  return out;
}

async function readFileRecords(path: string) {
  const records: RecordItem[] = [];
  const issues: unknown[] = [];
  for await (const item of readRecordings(memoryByteSource(await readFile(path)))) (item.kind === 'record' ? records : issues).push(item as RecordItem);
  return { records, issues };
}

describe('recording a live stream', () => {
  it('writes exactly the bytes clients receive: the same hello, the same frame records', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbs-live-'));
    const file = join(dir, 'live.gbrec');
    const serving = await serve({ ...base, record: { file } });
    const client = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
    const raw: Buffer[] = [];
    client.ws.on('message', (data: Buffer) => raw.push(...splitRecords(Buffer.from(data))));
    await client.opened();
    await client.waitFor((m) => m.type === 'frame' && (m['seq'] as number) >= 12, 15_000);
    client.ws.close();
    await serving.stop();

    const { records, issues } = await readFileRecords(file);
    expect(issues).toEqual([]);
    expect(records[0]!.message.type).toBe('hello');
    // The viewer's hello (control: false) is byte for byte the file's first record.
    expect(Buffer.from(records[0]!.bytes).equals(raw[0]!)).toBe(true);

    const fileFrames = new Map(records.filter((r) => r.message.type === 'frame').map((r) => [r.message['seq'] as number, Buffer.from(r.bytes)]));
    // The recorder is outside the drop policy: every published frame, seq without gaps.
    const seqs = [...fileFrames.keys()];
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    // raw[k] and client.messages[k] come from the same WebSocket message, record for record.
    expect(raw).toHaveLength(client.messages.length);
    let compared = 0;
    for (const [k, m] of client.messages.entries()) {
      if (m.type !== 'frame') continue;
      const bytes = raw[k]!;
      expect(bytes.equals(fileFrames.get(m['seq'] as number)!)).toBe(true);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(12);
  });

  it('when the disk fails, viewers get a GBS_ERR_RECORD_FAILED event and the stream carries on', async () => {
    const failing = diskFullAfterFirstWrite();
    const serving = await serve({ ...base, record: { file: 'unused.gbrec', open: async () => failing } });
    const client = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
    await client.opened();
    const event = await client.waitFor((m) => m.type === 'event', 15_000);
    expect(event).toMatchObject({ level: 'error', code: 'GBS_ERR_RECORD_FAILED' });
    expect(event['message']).toMatch(/ENOSPC.*stream continues/);
    const at = client.messages.length;
    await client.waitFor((m) => m.type === 'frame', 15_000, at);
    await client.waitFor((m) => m.type === 'frame', 15_000, client.messages.length);
    expect(serving.recorder?.stats.failed).toBe(true);
    client.ws.close();
    await serving.stop();
  });

  it('after kill -9 mid-recording the file is readable up to its last whole record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gbs-kill-'));
    const file = join(dir, 'killed.gbrec');
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--record', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('WebSocket') && resolve());
      child.on('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    await new Promise((r) => setTimeout(r, 2200));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const { records, issues } = await readFileRecords(file);
    expect(records[0]!.message.type).toBe('hello');
    // ~2 s at 10 fps, minus at most the last 250 ms write interval.
    expect(records.filter((r) => r.message.type === 'frame').length).toBeGreaterThanOrEqual(12);
    expect(issues.length).toBeLessThanOrEqual(1);
    if (issues.length === 1) expect(issues[0]).toMatchObject({ kind: 'truncated' });
  });
});
