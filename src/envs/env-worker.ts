/**
 * Worker thread entry: runs the LocalEnvs the main thread adds (several per thread, each with its
 * own emulator and run loop; the thread's event loop takes them in turn) and relays their output
 * to the main thread, which only serves. Frame records are transferred, not copied.
 */
import { parentPort } from 'node:worker_threads';
import { selectEncoder } from '../encode/select-encoder.js';
import { createLogger } from '../log.js';
import { makePolicy } from '../policy/spec.js';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { Button } from '../protocol/messages.js';
import { createLocalEnv, type LocalEnv } from './local-env.js';
import { transferOf, type AddedEnv, type EnvWorkerData, type WorkerCall, type WorkerNote } from './worker-protocol.js';

if (!parentPort) throw new Error('env-worker.ts must run in a worker thread');
const port = parentPort;
const post = (note: WorkerNote, transfer: ArrayBuffer[] = []) => port.postMessage(note, transfer);
const envs = new Map<number, LocalEnv>();
/** The steps running now, by call id, so a `cancel` can abort one between its slices. */
const steps = new Map<number, AbortController>();

// Once a second, every env's numbers (cheap: a few fields each).
setInterval(() => {
  for (const env of envs.values()) post({ kind: 'stats', stats: env.stats() });
}, 1000);

async function add(data: EnvWorkerData): Promise<AddedEnv> {
  if (envs.has(data.id)) throw new GbsError(ErrorCode.Unsupported, `env ${data.id} already runs on this thread`);
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
    inputLog: data.inputLog,
    output: {
      // The record alone, transferred: the message (and its JPEG) is decoded from it on the other side.
      frame: (record) => post({ kind: 'frame', env: data.id, record }, [record.buffer as ArrayBuffer]),
      event: (message) => post({ kind: 'event', env: data.id, message }),
      log: (record) => post({ kind: 'log', env: data.id, record }, [record.buffer as ArrayBuffer]),
    },
  });
  envs.set(data.id, env);
  return { encoder: encoder.name, warning };
}

async function run(call: WorkerCall): Promise<unknown> {
  if (call.op === 'add') return add(call.data);
  const env = envs.get(call.env);
  if (env === undefined) throw new GbsError(ErrorCode.EnvCrashed, `env ${call.env} is not running on this thread`);
  switch (call.op) {
    case 'start':
      env.start();
      return undefined;
    case 'stop':
      envs.delete(call.env); // the main thread ends the thread when its last env has stopped
      return env.stop();
    case 'command':
      return env.command(call.name, call.args);
    case 'lockstep':
      return env.setLockstep(call.on);
    case 'reset':
      return env.reset(call.observe, call.state);
    case 'saveState':
      return env.saveState();
    case 'step': {
      const controller = new AbortController();
      steps.set(call.id, controller);
      try {
        return await env.step(call.buttons as Button[], call.frames, call.observe, controller.signal);
      } finally {
        steps.delete(call.id);
      }
    }
    case 'cancel':
      // A step that already ended has nothing to abort; its answer went out before this arrived.
      steps.get(call.call)?.abort(call.reason);
      return undefined;
    case 'input':
      return env.input(call.buttons as Button[], call.frames);
    default: {
      const never: never = call;
      throw new Error(`unknown worker call ${JSON.stringify(never)}`);
    }
  }
}

port.on('message', (call: WorkerCall) => {
  run(call).then(
    (value) => post({ kind: 'reply', id: call.id, value }, transferOf(value)),
    (err: unknown) => {
      const e = err as { code?: string; message?: string };
      post({ kind: 'reply', id: call.id, error: { code: e.code ?? ErrorCode.Internal, message: e.message ?? String(err) } });
    },
  );
});
