/**
 * Re-renders episodes of an input log on the recorded core: load the start state (or the nearest
 * checkpoint before a seek target), then hold each frame's buttons and step. Yields every frame's
 * picture, and checks the picture at each checkpoint passed against the recorded hash — a
 * mismatch is a desync, reported with its env and frame, never a silently wrong picture.
 *
 * One `Rerenderer` per env and core: it keeps one emulator and reuses it across episodes (a
 * libretro core loads a private copy of its library; loading one per episode would be slow).
 */
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { ConfigError } from '../../config-error.js';
import { chooseCore } from '../../emulator/core-choice.js';
import { createEmulator, type CoreChoice } from '../../emulator/create-emulator.js';
import type { Emulator } from '../../emulator/emulator.js';
import { pictureHash } from '../../emulator/input-logging.js';
import { maskButtons } from '../../protocol/input-log.js';
import type { Button } from '../../protocol/messages.js';
import { runAt, type Checkpoint, type Episode } from './input-log-index.js';

/**
 * Frames between turns of the event loop: a long re-run must not starve timers and sockets in
 * the same thread (a server adopting this as a source, a test runner's heartbeat).
 */
const YIELD_EVERY = 256;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

const BUTTONS_OF: Button[][] = Array.from({ length: 256 }, (_, mask) => maskButtons(mask));

export interface RenderedFrame {
  env: number;
  episode: number;
  /** The frame number a live `frame` record of this picture carries. */
  frame: number;
  /** 160×144 RGB, valid until the next frame is rendered. */
  rgb: Uint8Array;
}

export interface Desync {
  env: number;
  episode: number;
  frame: number;
}

/** SHA-1 of ROM bytes, lowercase hex. */
export function romSha1(rom: Uint8Array): string {
  return createHash('sha1').update(rom).digest('hex');
}

/**
 * Which core re-runs an episode: the recorded core by name (serverboy, gambatte, another
 * libretro core by name). @throws ConfigError (one line) when that core is not installed.
 */
export function coreFor(name: string): CoreChoice {
  if (name === 'serverboy') return { kind: 'serverboy' };
  try {
    return chooseCore(name).choice;
  } catch (err) {
    throw new ConfigError('GBS_ERR_CORE_LOAD', `the recording was made on the "${name}" core, which cannot be loaded here: ${(err as Error).message}`);
  }
}

/**
 * Refuses a ROM whose SHA-1 differs from the recorded one.
 * @throws ConfigError(GBS_ERR_ROM_MISMATCH) quoting both.
 */
export function checkRom(rom: Uint8Array, recorded: string, romPath = 'the ROM'): void {
  const sha1 = romSha1(rom);
  if (sha1 !== recorded) throw new ConfigError('GBS_ERR_ROM_MISMATCH', `${romPath} has SHA-1 ${sha1}; the recording was made with ${recorded}`);
}

export interface RerendererOptions {
  /** Called for every checkpoint whose picture differs (`desync` keeps only the first). */
  onDesync?(desync: Desync): void;
}

export class Rerenderer {
  readonly #rom: Uint8Array;
  readonly #onDesync: ((desync: Desync) => void) | undefined;
  #emulator: Emulator | undefined;
  #key = '';
  /** The episode the emulator is in now (its frame is `emulator.frame`), for `moveTo`. */
  #episode: Episode | undefined;
  /** Checkpoints whose picture matched, and the first that did not. */
  verified = 0;
  desync: Desync | undefined;
  /** Frames emulated (seeking included). */
  stepped = 0;

  constructor(rom: Uint8Array, options: RerendererOptions = {}) {
    this.#rom = rom;
    this.#onDesync = options.onDesync;
  }

  /**
   * Puts the emulator on frame `frame` of episode `e`, its picture on screen: forward from where
   * it is when it is in that episode at or after the nearest checkpoint (or start) before
   * `frame`, else from that checkpoint — so a jump costs at most one checkpoint interval of
   * emulation, run in bulk. `forwardUpTo`: run forward anyway (through checkpoints, verifying
   * them) when that is at most this many frames — playback passes every checkpoint, a jump
   * need not. Checkpoints passed are verified. Yields to the event loop between slices; returns
   * undefined (emulator left anywhere) when `stale()` says the move is no longer wanted.
   * @throws EmulatorFault from the core
   */
  async moveTo(e: Episode, frame: number, stale: () => boolean = () => false, forwardUpTo = 0): Promise<Emulator | undefined> {
    if (frame <= e.startFrame || frame > e.endFrame) throw new RangeError(`episode ${e.index} of env ${e.env} holds frames ${e.startFrame + 1}–${e.endFrame}, not ${frame}`);
    const emu = await this.#emulatorFor(e);
    const from = nearestState(e, frame - 1).frame;
    if (this.#episode !== e || emu.frame > frame || (emu.frame < from && frame - emu.frame > forwardUpTo)) this.#seek(emu, e, from);
    let cp = e.checkpoints.findIndex((c) => c.frame > emu.frame);
    if (cp < 0) cp = e.checkpoints.length;
    let sinceTurn = 0;
    while (emu.frame < frame) {
      if (sinceTurn >= YIELD_EVERY) {
        sinceTurn = 0;
        await turn();
      }
      if (stale()) return undefined;
      const run = runAt(e, emu.frame);
      const n = Math.min(frame, e.runFrom[run]! + e.runCount[run]!, e.checkpoints[cp]?.frame ?? frame, emu.frame + YIELD_EVERY) - emu.frame;
      emu.run(BUTTONS_OF[e.runMask[run]!]!, n);
      this.#episode = e; // stepped: the picture on screen is this frame's
      this.stepped += n;
      sinceTurn += n;
      const checkpoint = e.checkpoints[cp];
      if (checkpoint && checkpoint.frame === emu.frame) {
        cp++;
        this.#check(e, emu, checkpoint);
      }
    }
    return emu;
  }

  #check(e: Episode, emu: Emulator, checkpoint: Checkpoint): void {
    if (equalBytes(pictureHash(emu.screenRgb()), checkpoint.hash)) {
      this.verified++;
      return;
    }
    const desync = { env: e.env, episode: e.index, frame: checkpoint.frame };
    this.desync ??= desync;
    this.#onDesync?.(desync);
  }

  async #emulatorFor(e: Episode): Promise<Emulator> {
    const key = `${e.core}/${e.sound}`;
    if (this.#emulator && this.#key === key) return this.#emulator;
    this.#emulator?.close();
    this.#episode = undefined;
    this.#emulator = await createEmulator(this.#rom, { core: coreFor(e.core), sound: e.sound });
    this.#key = key;
    return this.#emulator;
  }

  /**
   * Re-renders frames `from`..`to` (frame numbers, inclusive; default: the whole episode) of
   * episode `e`, starting from the last checkpoint (or the start) at or before `from` - 1.
   * Checkpoints passed are verified; frames after a desync are still yielded (and flagged by
   * `desync`). Yields nothing for an empty range.
   */
  async *frames(e: Episode, from = e.startFrame + 1, to = e.endFrame): AsyncGenerator<RenderedFrame> {
    from = Math.max(from, e.startFrame + 1);
    to = Math.min(to, e.endFrame);
    if (from > to) return;
    const emu = await this.#emulatorFor(e);
    this.#seek(emu, e, from - 1);
    for (const frame of this.#play(emu, e, to)) {
      yield { env: e.env, episode: e.index, frame, rgb: emu.screenRgb() };
      if (frame % YIELD_EVERY === 0) await turn();
    }
  }

  /** Runs episode `e` from its start to its end, verifying every checkpoint (no pictures but theirs). */
  async verify(e: Episode): Promise<void> {
    if (e.endFrame <= e.startFrame) return;
    const emu = await this.#emulatorFor(e);
    this.#seek(emu, e, e.startFrame);
    let last = this.stepped;
    for (const _ of this.#play(emu, e, e.endFrame, false)) {
      if (this.stepped - last >= YIELD_EVERY) {
        last = this.stepped;
        await turn();
      }
    }
  }

  /**
   * Steps from where the emulator is up to frame `to`, verifying checkpoints; yields each frame
   * number (`each`), or only checkpoint frames (then a run goes to the core in one `run()` call).
   */
  *#play(emu: Emulator, e: Episode, to: number, each = true): Generator<number> {
    let cp = e.checkpoints.findIndex((c) => c.frame > emu.frame);
    if (cp < 0) cp = e.checkpoints.length;
    for (let run = runAt(e, emu.frame); run >= 0 && run < e.runFrom.length && emu.frame < to; run++) {
      const end = Math.min(to, e.runFrom[run]! + e.runCount[run]!);
      const buttons = BUTTONS_OF[e.runMask[run]!]!;
      while (emu.frame < end) {
        if (each) {
          emu.hold(buttons, 1);
          emu.step();
          this.stepped++;
        } else {
          const n = Math.min(end, e.checkpoints[cp]?.frame ?? end) - emu.frame;
          emu.run(buttons, n);
          this.stepped += n;
        }
        const frame = emu.frame;
        const checkpoint = e.checkpoints[cp];
        if (checkpoint && checkpoint.frame === frame) {
          cp++;
          this.#check(e, emu, checkpoint);
        }
        yield frame;
      }
    }
  }

  /** Loads the last checkpoint (or the start) at or before `frame`, then steps up to `frame`. */
  #seek(emu: Emulator, e: Episode, frame: number): void {
    const best = nearestState(e, frame);
    this.#episode = undefined; // until the state has loaded
    emu.loadState(inflateSync(best.state));
    if (emu.frame !== best.frame) throw new Error(`the state at frame ${best.frame} loaded at frame ${emu.frame}`);
    let run = runAt(e, emu.frame);
    while (emu.frame < frame && run >= 0) {
      const n = Math.min(frame, e.runFrom[run]! + e.runCount[run]!) - emu.frame;
      emu.run(BUTTONS_OF[e.runMask[run]!]!, n); // one crossing into a native core for the run
      this.stepped += n;
      run++;
    }
    // A loaded state shows no picture of its own until a frame runs.
    if (emu.frame > best.frame) this.#episode = e;
  }

  close(): void {
    this.#emulator?.close();
    this.#emulator = undefined;
  }
}

/** The last checkpoint (or the start) at or before `frame`. */
function nearestState(e: Episode, frame: number): { frame: number; state: Uint8Array } {
  let best: { frame: number; state: Uint8Array } = { frame: e.startFrame, state: e.state };
  for (const c of e.checkpoints) if (c.frame <= frame && c.frame > best.frame) best = c;
  return best;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
