/**
 * One worker thread that runs several envs (env-worker.ts), as the main thread sees it: it routes
 * calls and replies, and each env's frames, events and stats to that env's `WorkerEnv`. The thread
 * ends when its last env has stopped, or when it crashes (then every env on it is told).
 *
 * Why several envs per thread: a thread per env means 64 threads on a 2-core machine, each with
 * its own V8 heap; a pool of at most `os.availableParallelism()` threads, each stepping its envs
 * in turn on its event loop, uses the cores without oversubscribing them. This works for libretro
 * cores because each env loads its own copy of the core library (native/README.md).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PACKAGE_ROOT } from '../paths.js';
import { ErrorCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { EventMessage } from '../protocol/messages.js';
import type { EnvStats } from './env.js';
import type { WorkerCall, WorkerNote } from './worker-protocol.js';

/** The compiled worker entry. Tests run from src/, but workers need JS: `npm test` builds first. */
export const WORKER_ENTRY = join(PACKAGE_ROOT, 'dist', 'envs', 'env-worker.js');

/** What a thread tells one of its envs. */
export interface ThreadClient {
  frame(record: Uint8Array): void;
  event(message: EventMessage): void;
  /** An input-log record (for the recorder). */
  log(record: Uint8Array): void;
  stats(stats: EnvStats): void;
  /** The thread threw (an uncaught error in the worker); it is exiting. */
  crashed(err: Error): void;
  /** The thread is gone; every later call rejects. */
  exited(code: number): void;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
export type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;

export class EnvThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #clients = new Map<number, ThreadClient>();
  #nextId = 1;
  #exited = false;

  constructor() {
    this.#worker = new Worker(WORKER_ENTRY);
    this.#worker.on('message', (note: WorkerNote) => this.#onNote(note));
    this.#worker.on('error', (err) => {
      for (const c of this.#clients.values()) c.crashed(err);
    });
    this.#worker.on('exit', (code) => {
      this.#exited = true;
      for (const p of this.#pending.values()) p.reject(new GbsError(ErrorCode.EnvCrashed, `env worker exited with ${code}`));
      this.#pending.clear();
      for (const c of this.#clients.values()) c.exited(code);
      this.#clients.clear();
    });
  }

  /** Envs currently attached. */
  get size(): number {
    return this.#clients.size;
  }

  attach(env: number, client: ThreadClient): void {
    this.#clients.set(env, client);
  }

  /** Forgets an env (it stopped); the last one out ends the thread. */
  async detach(env: number): Promise<void> {
    this.#clients.delete(env);
    if (this.#clients.size === 0 && !this.#exited) await this.#worker.terminate();
  }

  /**
   * Sends a call and resolves with its reply. When `signal` aborts before the reply, the worker is
   * told to abort the call (a `step` stops at its next slice and rejects; other calls finish).
   */
  call(call: DistributiveOmit<WorkerCall, 'id'>, signal?: AbortSignal): Promise<unknown> {
    if (this.#exited) return Promise.reject(new GbsError(ErrorCode.EnvCrashed, 'env worker is not running (it exited)'));
    const id = this.#nextId++;
    const reply = new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...call, id });
    });
    if (!signal || !('env' in call)) return reply;
    const env = call.env;
    const cancel = () => {
      const reason = typeof signal.reason === 'string' ? signal.reason : 'cancelled';
      this.call({ op: 'cancel', env, call: id, reason }).catch(() => undefined);
    };
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
    return reply.finally(() => signal.removeEventListener('abort', cancel));
  }

  #onNote(note: WorkerNote): void {
    switch (note.kind) {
      case 'frame':
        this.#clients.get(note.env)?.frame(note.record);
        return;
      case 'event':
        this.#clients.get(note.env)?.event(note.message);
        return;
      case 'log':
        this.#clients.get(note.env)?.log(note.record);
        return;
      case 'stats':
        this.#clients.get(note.stats.env)?.stats(note.stats);
        return;
      case 'reply': {
        const p = this.#pending.get(note.id);
        this.#pending.delete(note.id);
        if (!p) return;
        if (note.error) p.reject(new GbsError(note.error.code as never, note.error.message));
        else p.resolve(note.value);
        return;
      }
      default: {
        const never: never = note;
        throw new Error(`unknown worker note ${JSON.stringify(never)}`);
      }
    }
  }
}

/** How many threads `count` envs get: at most one per core, never more than envs. */
export function threadCount(count: number, cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(count, cores));
}
