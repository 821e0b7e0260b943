/**
 * Replay of a multi-env recording over the live protocol: the envs the recorded hello announces
 * can be subscribed to, as on the live server that recorded them.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { replay, type Replaying } from '../src/app/replay.js';
import { silentLogger } from '../src/log.js';
import { encodeRecord } from '../src/protocol/record.js';
import { Recorder } from '../src/record/recorder.js';
import { testHello } from './helpers/bare-server.js';
import { TestClient } from './helpers/ws-client.js';

/** testHello announces 2 envs; both publish frames. */
async function twoEnvRecording(): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'gbs-replay-envs-')), 'two.gbrec');
  const recorder = new Recorder({ hello: testHello, nextPath: () => path, onEvent: () => undefined });
  await recorder.start();
  for (let seq = 0; seq < 4; seq++) {
    for (const env of [0, 1]) {
      recorder.frame(encodeRecord({ type: 'frame', env, seq, frame: seq, ts: 1000 + seq * 100, width: 160, height: 144, format: 'jpeg', data: new Uint8Array(8), state: {} }));
    }
  }
  await recorder.close();
  return path;
}

let running: Replaying | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('replay of a multi-env recording', () => {
  it('accepts a subscribe to every env its hello announces and refuses the others', async () => {
    running = await replay({ file: await twoEnvRecording(), port: 0, host: '127.0.0.1', speed: 1, loop: false, log: silentLogger() });
    running.player.pause();
    const client = new TestClient(running.server.url.replace(/^http/, 'ws') + 'ws');
    try {
      await client.opened();
      const hello = await client.waitFor((m) => m.type === 'hello');
      expect(hello['envs']).toBe(2);
      const ok = await client.request({ type: 'subscribe', id: 1, envs: [1] });
      expect([ok.type, ok['code']]).toEqual(['ack', undefined]);
      const refused = await client.request({ type: 'subscribe', id: 2, envs: [2] });
      expect([refused.type, refused['code']]).toEqual(['error', 'GBS_ERR_NO_SUCH_ENV']);
    } finally {
      client.ws.close();
    }
  });
});
