/**
 * Creates the envs of a `serve` run: one env runs in this thread (unless `envThread`); several run on a pool of at
 * most `os.availableParallelism()` worker threads (env i on thread i mod n, each thread stepping
 * its envs in turn), so the main thread only serves and a slow client or disk never slows an
 * emulator.
 */
import type { CoreChoice } from '../emulator/create-emulator.js';
import type { Speed } from '../emulator/pacer.js';
import { encoderKindOf, selectEncoder, type EncoderKind } from '../encode/select-encoder.js';
import type { FrameFormat } from '../protocol/messages.js';
import type { Logger } from '../log.js';
import { makePolicy, type PolicySpec } from '../policy/spec.js';
import type { RecordSink } from '../protocol/sink.js';
import type { MemoryMap } from '../state/memory-map.js';
import type { Env } from './env.js';
import { createLocalEnv, type InputLogSetup } from './local-env.js';
import { EnvThread, threadCount } from './env-thread.js';
import { WorkerEnv } from './worker-env.js';

export const MAX_ENVS = 64;

export interface CreateEnvsOptions {
  count: number;
  rom: Uint8Array;
  map: MemoryMap | undefined;
  policy: PolicySpec;
  /** Env i uses seed + i. */
  seed: number;
  encoder: EncoderKind;
  /** Image format of published frames (`--format`); default `jpeg`. */
  format?: FrameFormat;
  quality: number;
  fps: number;
  speed: Speed;
  sound: boolean;
  /** Emulator core; default serverboy. */
  core?: CoreChoice;
  log: Logger;
  output: RecordSink;
  observeEncode?: (seconds: number) => void;
  /** Most worker threads for several envs; default os.availableParallelism(). */
  threads?: number;
  /**
   * Run a single env in a worker thread too (`--env-thread`), so the main thread only serves:
   * a serverboy reset or state load (150–400 ms on Pokémon Yellow) can't be cut into slices.
   */
  envThread?: boolean;
  /** Write each env's input log to `output.log` (`--record-mode inputs|both`). */
  inputLog?: InputLogSetup;
}

/** Returns the envs (not started), the name of the encoder they use and the format it writes. */
export async function createEnvs(o: CreateEnvsOptions): Promise<{ envs: Env[]; encoder: string; format: FrameFormat; policyName: string }> {
  const format = o.format ?? 'jpeg';
  const policy = await makePolicy(o.policy, o.seed); // also checks a script file before any worker starts
  if (o.count === 1 && !o.envThread) {
    const encoder = selectEncoder(o.encoder, { quality: o.quality, format }, (msg) => o.log.warn(msg));
    const env = await createLocalEnv({ id: 0, rom: o.rom, core: o.core, sound: o.sound, map: o.map, policy, encoder, fps: o.fps, speed: o.speed, log: o.log, output: o.output, observeEncode: o.observeEncode, inputLog: o.inputLog });
    return { envs: [env], encoder: encoder.name, format, policyName: policy.name };
  }
  // Check the encoder choice once here, so `--encoder native` without the addon fails clearly.
  const encoder = selectEncoder(o.encoder, { quality: o.quality, format }, (msg) => o.log.warn(msg)).name;
  const threads = Array.from({ length: threadCount(o.count, o.threads) }, () => new EnvThread());
  o.log.info({ envs: o.count, threads: threads.length }, 'envs share a pool of worker threads');
  const envs = Array.from({ length: o.count }, (_, id) =>
    new WorkerEnv(
      {
        id,
        rom: o.rom,
        map: o.map,
        policy: o.policy,
        seed: o.seed + id,
        encoder: o.encoder === 'auto' ? encoderKindOf(encoder) : o.encoder,
        format,
        quality: o.quality,
        fps: o.fps,
        speed: o.speed,
        sound: o.sound,
        core: o.core,
        logLevel: o.log.level,
        inputLog: o.inputLog,
      },
      o.output,
      o.log,
      threads[id % threads.length],
    ),
  );
  try {
    await Promise.all(envs.map((e) => e.encoderName));
  } catch (err) {
    await Promise.all(envs.map((e) => e.stop()));
    throw err;
  }
  return { envs, encoder, format, policyName: `${policy.name} (seed + env id)` };
}
