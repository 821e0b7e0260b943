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
import { runAt, type Episode } from './input-log-index.js';

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

export class Rerenderer {
  readonly #rom: Uint8Array;
  #emulator: Emulator | undefined;
  #key = '';
  /** Checkpoints whose picture matched, and the first that did not. */
  verified = 0;
  desync: Desync | undefined;
  /** Frames emulated (seeking included). */
  stepped = 0;

  constructor(rom: Uint8Array) {
    this.#rom = rom;
  }

  async #emulatorFor(e: Episode): Promise<Emulator> {
    const key = `${e.core}/${e.sound}`;
    if (this.#emulator && this.#key === key) return this.#emulator;
    this.#emulator?.close();
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
          if (equalBytes(pictureHash(emu.screenRgb()), checkpoint.hash)) this.verified++;
          else this.desync ??= { env: e.env, episode: e.index, frame };
        }
        yield frame;
      }
    }
  }

  /** Loads the last checkpoint (or the start) at or before `frame`, then steps up to `frame`. */
  #seek(emu: Emulator, e: Episode, frame: number): void {
    let best: { frame: number; state: Uint8Array } = { frame: e.startFrame, state: e.state };
    for (const c of e.checkpoints) if (c.frame <= frame && c.frame > best.frame) best = c;
    emu.loadState(inflateSync(best.state));
    if (emu.frame !== best.frame) throw new Error(`the state at frame ${best.frame} loaded at frame ${emu.frame}`);
    let run = runAt(e, emu.frame);
    while (emu.frame < frame && run >= 0) {
      const n = Math.min(frame, e.runFrom[run]! + e.runCount[run]!) - emu.frame;
      emu.run(BUTTONS_OF[e.runMask[run]!]!, n); // one crossing into a native core for the run
      this.stepped += n;
      run++;
    }
  }

  close(): void {
    this.#emulator?.close();
    this.#emulator = undefined;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
