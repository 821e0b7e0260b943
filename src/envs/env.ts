/**
 * One emulated environment as the server sees it, wherever it runs: in this thread (`LocalEnv`)
 * or in a worker thread (`WorkerEnv`). Everything that crosses a thread is asynchronous.
 */
import type { Button, ObsMessage, Observe } from '../protocol/messages.js';

/** What an agent gets back from `reset`/`step`: the `obs` record without its envelope. */
export type Observation = Omit<ObsMessage, 'type' | 'id'>;

export interface EnvStats {
  env: number;
  fps: number;
  emuFps: number;
  speed: number;
  published: number;
  paused: boolean;
  lockstep: boolean;
}

export interface Env {
  readonly id: number;
  start(): void;
  stop(): Promise<void>;
  /** Viewer input: hold buttons for `frames` frames over the policy. Rejects (GbsError) when the env can't take it. */
  input(buttons: readonly Button[], frames: number): Promise<void>;
  /** reset, pause, resume, speed {value}. @throws/rejects GbsError on bad names or args. */
  command(name: string, args: Record<string, unknown>): Promise<void>;
  /** Agent lockstep. */
  setLockstep(on: boolean): Promise<void>;
  /** Restarts from power-on, or from `state` (bytes of saveState()). Rejects GbsError(BadField) for a state this env can't load. */
  reset(observe: Observe, state?: Uint8Array): Promise<Observation>;
  /** The whole machine state now, as bytes reset() takes, and the frame it was taken at. */
  saveState(): Promise<{ frame: number; data: Uint8Array }>;
  /**
   * Runs `frames` frames holding `buttons`. A long step checks `signal` between slices of frames
   * (STEP_SLICE_MS of emulation) and rejects with GbsError(EnvBusy) once it is aborted (its agent left): the env
   * stays at the frame it reached.
   */
  step(buttons: readonly Button[], frames: number, observe: Observe, signal?: AbortSignal): Promise<Observation>;
  /** The latest numbers (a worker reports them once a second). */
  stats(): EnvStats;
}
