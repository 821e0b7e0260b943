/**
 * An env in this thread: emulator, policy, encoder and pipeline. Also what each worker runs.
 */
import { EmulatorFault, ServerboyEmulator } from '../emulator/serverboy.js';
import type { Speed } from '../emulator/pacer.js';
import { rgbToGray, rgbToRgba } from '../encode/pixels.js';
import type { FrameEncoder } from '../encode/encoder.js';
import type { Logger } from '../log.js';
import { Pipeline } from '../pipeline.js';
import type { Policy } from '../policy/policy.js';
import { ErrorCode, SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { Button, Observe } from '../protocol/messages.js';
import type { MemoryMap } from '../state/memory-map.js';
import { runCommand } from './commands.js';
import type { Env, EnvOutput, EnvStats, Observation } from './env.js';

export interface LocalEnvOptions {
  id: number;
  rom: Uint8Array;
  map: MemoryMap | undefined;
  policy: Policy;
  encoder: FrameEncoder;
  fps: number;
  speed: Speed;
  sound: boolean;
  log: Logger;
  output: EnvOutput;
  observeEncode?: (seconds: number) => void;
}

export class LocalEnv implements Env {
  readonly id: number;
  readonly pipeline: Pipeline;

  constructor(o: LocalEnvOptions) {
    this.id = o.id;
    const emulator = new ServerboyEmulator(o.rom, { sound: o.sound });
    for (const note of emulator.loadNotes) o.log.warn({ env: o.id }, `serverboy: ${note}`);
    this.pipeline = new Pipeline({
      emulator,
      encoder: o.encoder,
      policy: o.policy,
      map: o.map,
      fps: o.fps,
      speed: o.speed,
      log: o.log,
      env: o.id,
      sink: o.output,
      observeEncode: o.observeEncode,
    });
  }

  start(): void {
    this.pipeline.start();
  }

  async stop(): Promise<void> {
    this.pipeline.stop();
  }

  input(buttons: readonly Button[], frames: number): void {
    this.pipeline.input(buttons, frames);
  }

  async command(name: string, args: Record<string, unknown>): Promise<void> {
    runCommand(this.pipeline, name, args);
  }

  async setLockstep(on: boolean): Promise<void> {
    this.pipeline.setLockstep(on);
  }

  async reset(observe: Observe): Promise<Observation> {
    this.pipeline.reset();
    return this.#observation(this.pipeline.observe(), observe);
  }

  async step(buttons: readonly Button[], frames: number, observe: Observe): Promise<Observation> {
    try {
      return this.#observation(this.pipeline.step(buttons, frames), observe);
    } catch (err) {
      if (err instanceof EmulatorFault) throw new GbsError(ErrorCode.Unsupported, `env ${this.id} faulted: ${err.message}; send reset`);
      throw err;
    }
  }

  stats(): EnvStats {
    const s = this.pipeline.stats;
    return { env: this.id, fps: s.fps, emuFps: s.emuFps, speed: s.speed, published: s.published, paused: this.pipeline.paused, lockstep: this.pipeline.lockstep };
  }

  #observation(o: { frame: number; state: Observation['state'] }, observe: Observe): Observation {
    const obs: Observation = { env: this.id, frame: o.frame, state: o.state };
    if (observe !== 'none') {
      const rgb = this.pipeline.screenRgb();
      obs.screen = observe === 'rgba' ? rgbToRgba(rgb) : rgbToGray(rgb);
      obs.screenFormat = observe;
      obs.width = SCREEN_WIDTH;
      obs.height = SCREEN_HEIGHT;
    }
    return obs;
  }
}
