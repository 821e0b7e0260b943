/**
 * An env in a worker thread. The main thread keeps only this proxy: it forwards calls, receives
 * frame records (transferred) and events, and caches the worker's once-a-second stats. Several
 * WorkerEnvs may share one thread (`EnvThread`); without one given, an env gets its own.
 */
import type { Logger } from '../log.js';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { Button, Observe } from '../protocol/messages.js';
import type { RecordSink } from '../protocol/sink.js';
import type { Env, EnvStats, Observation } from './env.js';
import { EnvThread, type DistributiveOmit } from './env-thread.js';
import { frameOfRecord, type AddedEnv, type EnvWorkerData, type WorkerCall } from './worker-protocol.js';

export { WORKER_ENTRY } from './env-thread.js';

/** How long a worker may take to stop an env before the env is dropped (and a thread terminated). */
export const STOP_GRACE_MS = 2000;

type EnvCall = DistributiveOmit<Exclude<WorkerCall, { op: 'add' }>, 'id' | 'env'>;

export class WorkerEnv implements Env {
  readonly id: number;
  /** Resolves with the env's encoder name once it runs; rejects when it could not start. */
  readonly encoderName: Promise<string>;
  /** The worker thread this env runs on (shared with other envs). */
  readonly thread: EnvThread;
  readonly #log: Logger;
  #stats: EnvStats;
  #gone = false;
  #ready = false;

  constructor(data: EnvWorkerData, output: RecordSink, log: Logger, thread: EnvThread = new EnvThread()) {
    this.id = data.id;
    this.#log = log;
    this.thread = thread;
    this.#stats = { env: data.id, fps: 0, emuFps: 0, speed: 0, published: 0, paused: true, lockstep: false };
    thread.attach(data.id, {
      frame: (record) => output.frame(record, frameOfRecord(record)),
      event: (message) => output.event(message),
      log: (record) => output.log?.(record),
      stats: (stats) => (this.#stats = stats),
      crashed: (err) => {
        log.error({ env: this.id, err: err.message }, 'env worker crashed');
        if (this.#ready) {
          output.event({ type: 'event', ts: Date.now(), level: 'error', code: ErrorCode.EnvCrashed, message: `env ${this.id} crashed: ${err.message}` });
        }
      },
      exited: () => this.#markGone(),
    });
    this.encoderName = thread.call({ op: 'add', data }).then(
      (value) => {
        const added = value as AddedEnv;
        if (added.warning) log.warn({ env: this.id }, added.warning);
        this.#ready = true;
        return added.encoder;
      },
      (err: Error) => {
        this.#markGone();
        void thread.detach(this.id);
        throw new Error(`env ${this.id} failed to start: ${err.message}`);
      },
    );
  }

  #markGone(): void {
    this.#gone = true;
    this.#stats = { ...this.#stats, fps: 0, emuFps: 0, speed: 0, paused: true };
  }

  #call(call: EnvCall, signal?: AbortSignal): Promise<unknown> {
    if (this.#gone) return Promise.reject(new GbsError(ErrorCode.EnvCrashed, `env ${this.id} is not running (its worker exited)`));
    return this.thread.call({ ...call, env: this.id } as DistributiveOmit<WorkerCall, 'id'>, signal);
  }

  start(): void {
    this.#call({ op: 'start' }).catch((err: Error) => this.#log.error({ env: this.id, err: err.message }, 'env start failed'));
  }

  async stop(): Promise<void> {
    if (this.#gone) return;
    // A worker stuck in a long call must not hold shutdown up: give it a moment, then move on.
    await Promise.race([this.#call({ op: 'stop' }).catch(() => undefined), new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref())]);
    this.#markGone();
    await this.thread.detach(this.id);
  }

  async input(buttons: readonly Button[], frames: number): Promise<void> {
    await this.#call({ op: 'input', buttons: [...buttons], frames });
  }

  async command(name: string, args: Record<string, unknown>): Promise<void> {
    await this.#call({ op: 'command', name, args });
  }

  async setLockstep(on: boolean): Promise<void> {
    await this.#call({ op: 'lockstep', on });
  }

  async reset(observe: Observe, state?: Uint8Array): Promise<Observation> {
    return (await this.#call({ op: 'reset', observe, state })) as Observation;
  }

  async saveState(): Promise<{ frame: number; data: Uint8Array }> {
    return (await this.#call({ op: 'saveState' })) as { frame: number; data: Uint8Array };
  }

  async step(buttons: readonly Button[], frames: number, observe: Observe, signal?: AbortSignal): Promise<Observation> {
    return (await this.#call({ op: 'step', buttons: [...buttons], frames, observe }, signal)) as Observation;
  }

  stats(): EnvStats {
    return this.#stats;
  }
}
