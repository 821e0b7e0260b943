/**
 * An env in a worker thread. The main thread keeps only this proxy: it forwards calls, receives
 * frame records (transferred) and events, and caches the worker's once-a-second stats.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { PACKAGE_ROOT } from '../paths.js';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { Button, Observe } from '../protocol/messages.js';
import type { RecordSink } from '../protocol/sink.js';
import type { Env, EnvStats, Observation } from './env.js';
import { frameOfRecord, type EnvWorkerData, type WorkerCall, type WorkerNote } from './worker-protocol.js';

/** The compiled worker entry. Tests run from src/, but workers need JS: `npm test` builds first. */
export const WORKER_ENTRY = join(PACKAGE_ROOT, 'dist', 'envs', 'env-worker.js');

/** How long a worker may take to stop before it is terminated. */
export const STOP_GRACE_MS = 2000;

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;

export class WorkerEnv implements Env {
  readonly id: number;
  readonly encoderName: Promise<string>;
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #log: Logger;
  #nextId = 1;
  #stats: EnvStats;
  #exited = false;
  #ready = false;

  constructor(data: EnvWorkerData, output: RecordSink, log: Logger) {
    this.id = data.id;
    this.#log = log;
    this.#stats = { env: data.id, fps: 0, emuFps: 0, speed: 0, published: 0, paused: true, lockstep: false };
    this.#worker = new Worker(WORKER_ENTRY, { workerData: data, transferList: [] });
    this.encoderName = new Promise((resolve, reject) => {
      this.#worker.on('message', (note: WorkerNote) => {
        switch (note.kind) {
          case 'ready':
            if (note.warning) log.warn({ env: this.id }, note.warning);
            this.#ready = true;
            resolve(note.encoder);
            return;
          case 'frame':
            output.frame(note.record, frameOfRecord(note.record));
            return;
          case 'event':
            output.event(note.message);
            return;
          case 'stats':
            this.#stats = note.stats;
            return;
          case 'reply': {
            const p = this.#pending.get(note.id);
            this.#pending.delete(note.id);
            if (!p) return;
            if (note.error) p.reject(new GbsError(note.error.code as never, note.error.message));
            else p.resolve(note.value);
            return;
          }
          case 'fatal':
            reject(new Error(`env ${this.id} failed to start: ${note.message}`));
            return;
        }
      });
      this.#worker.on('error', (err) => {
        log.error({ env: this.id, err: err.message }, 'env worker crashed');
        if (this.#ready) {
          output.event({ type: 'event', ts: Date.now(), level: 'error', code: ErrorCode.EnvCrashed, message: `env ${this.id} crashed: ${err.message}` });
        }
        reject(err);
      });
      this.#worker.on('exit', (code) => {
        this.#exited = true;
        this.#stats = { ...this.#stats, fps: 0, emuFps: 0, speed: 0, paused: true };
        for (const p of this.#pending.values()) p.reject(new GbsError(ErrorCode.EnvCrashed, `env ${this.id} is not running (worker exited with ${code})`));
        this.#pending.clear();
        reject(new Error(`env ${this.id} worker exited (${code}) before it was ready`)); // no-op once ready
      });
    });
  }

  #call(call: DistributiveOmit<WorkerCall, 'id'>): Promise<unknown> {
    if (this.#exited) return Promise.reject(new GbsError(ErrorCode.EnvCrashed, `env ${this.id} is not running (its worker exited)`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...call, id });
    });
  }

  start(): void {
    this.#call({ op: 'start' }).catch((err: Error) => this.#log.error({ env: this.id, err: err.message }, 'env start failed'));
  }

  async stop(): Promise<void> {
    if (this.#exited) return;
    // A worker stuck in a long call must not hold shutdown up: give it a moment, then terminate.
    await Promise.race([this.#call({ op: 'stop' }).catch(() => undefined), new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref())]);
    await this.#worker.terminate();
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

  async reset(observe: Observe): Promise<Observation> {
    return (await this.#call({ op: 'reset', observe })) as Observation;
  }

  async step(buttons: readonly Button[], frames: number, observe: Observe): Promise<Observation> {
    return (await this.#call({ op: 'step', buttons: [...buttons], frames, observe })) as Observation;
  }

  stats(): EnvStats {
    return this.#stats;
  }
}
