/**
 * Worker thread entry: runs one LocalEnv and relays its output to the main thread, which only
 * serves. Frame records are transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectEncoder } from '../encode/select-encoder.js';
import { createLogger } from '../log.js';
import { makePolicy } from '../policy/spec.js';
import { ErrorCode } from '../protocol/constants.js';
import type { Button } from '../protocol/messages.js';
import { createLocalEnv } from './local-env.js';
import type { EnvWorkerData, WorkerCall, WorkerNote } from './worker-protocol.js';

if (!parentPort) throw new Error('env-worker.ts must run in a worker thread');
const port = parentPort;
const data = workerData as EnvWorkerData;
const post = (note: WorkerNote, transfer: ArrayBuffer[] = []) => port.postMessage(note, transfer);

async function main(): Promise<void> {
  const log = createLogger({ level: data.logLevel }).child({ env: data.id });
  let warning: string | undefined;
  const encoder = selectEncoder(data.encoder, { quality: data.quality, format: data.format }, (msg) => (warning = msg));
  const env = await createLocalEnv({
    id: data.id,
    rom: data.rom,
    core: data.core,
    sound: data.sound,
    map: data.map,
    policy: await makePolicy(data.policy, data.seed),
    encoder,
    fps: data.fps,
    speed: data.speed,
    log,
    output: {
      // The record alone, transferred: the message (and its JPEG) is decoded from it on the other side.
      frame: (record) => post({ kind: 'frame', record }, [record.buffer as ArrayBuffer]),
      event: (message) => post({ kind: 'event', message }),
    },
  });
  const statsTimer = setInterval(() => post({ kind: 'stats', stats: env.stats() }), 1000);

  port.on('message', (call: WorkerCall) => {
    const run = async (): Promise<unknown> => {
      switch (call.op) {
        case 'start':
          env.start();
          return undefined;
        case 'stop':
          clearInterval(statsTimer);
          return env.stop();
        case 'command':
          return env.command(call.name, call.args);
        case 'lockstep':
          return env.setLockstep(call.on);
        case 'reset':
          return env.reset(call.observe);
        case 'step':
          return env.step(call.buttons as Button[], call.frames, call.observe);
        case 'input':
          return env.input(call.buttons as Button[], call.frames);
        default: {
          const never: never = call;
          throw new Error(`unknown worker call ${JSON.stringify(never)}`);
        }
      }
    };
    run().then(
      (value) => post({ kind: 'reply', id: call.id, value }),
      (err: unknown) => {
        const e = err as { code?: string; message?: string };
        post({ kind: 'reply', id: call.id, error: { code: e.code ?? ErrorCode.Internal, message: e.message ?? String(err) } });
      },
    );
  });
  post({ kind: 'ready', encoder: encoder.name, warning });
}

main().catch((err: unknown) => post({ kind: 'fatal', message: (err as Error).message }));
