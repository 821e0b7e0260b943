/**
 * `LibretroEmulator`: a libretro core (Debian's gambatte by default) run in process through
 * gbstream's native frontend (`native/src/libretro_frontend.c`), behind the same `Emulator`
 * interface as serverboy.
 *
 * Each instance loads its own private copy of the core library (cores keep their machine in
 * globals), so any number of envs can share a thread; an instance must be used only from the
 * thread that created it. `run(buttons, n)` is one native call for n frames.
 *
 * Frames. One `step()` is one `retro_run()`. gambatte returns from `retro_run()` when the LCD
 * finishes a frame (the start of VBlank), and answers a "duplicate frame" now and then to stay on
 * 70,224 cycles a frame on average, so its frame count tracks emulated time like serverboy's.
 * Its frames start at VBlank while serverboy's start at power-on, so the two are out of phase by
 * a fraction of a frame (see test/libretro-differential.test.ts).
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ConfigError } from '../config-error.js';
import { rgbToGray } from '../encode/pixels.js';
import type { Button } from '../protocol/messages.js';
import { EmulatorFault, type Emulator } from './emulator.js';
import { tryLoadLibretroBinding, type CoreHandle, type LibretroBinding } from './libretro-binding.js';

const WIDTH = 160;
const HEIGHT = 144;

/** RetroPad bit of each Game Boy button (RETRO_DEVICE_ID_JOYPAD_*). */
const RETRO_BIT: Record<Button, number> = {
  b: 1 << 0,
  select: 1 << 2,
  start: 1 << 3,
  up: 1 << 4,
  down: 1 << 5,
  left: 1 << 6,
  right: 1 << 7,
  a: 1 << 8,
};

/** Our save-state header: magic, version, frame counter, then the core's own bytes. */
const STATE_MAGIC = 0x47424c52; // "GBLR"
const STATE_VERSION = 1;
const STATE_HEADER = 16;

export interface LibretroOptions {
  /** Where the private copy of the core is made (and at once unlinked). Default: os.tmpdir(). */
  tmpDir?: string;
  /** The core's system and save folders. Default: <os.tmpdir()>/gbstream-libretro (kept empty by gbstream). */
  systemDir?: string;
  /** Name under which the core is reported; default: "gambatte" for gambatte, else the core's library_name. */
  coreName?: string;
  /** The ROM's file name, given to the core as the game path (some cores look for files beside it). */
  romName?: string;
  /** The addon; tests pass one in. Default: the built addon. */
  binding?: LibretroBinding;
}

function buttonMask(buttons: readonly Button[]): number {
  let mask = 0;
  for (const b of buttons) mask |= RETRO_BIT[b] ?? 0;
  return mask;
}

function defaultDir(): string {
  const dir = join(tmpdir(), 'gbstream-libretro');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export class LibretroEmulator implements Emulator {
  readonly core: string;
  readonly cgb: boolean;
  readonly loadNotes: readonly string[];
  /** Everything the core said while loading (its log lines and what it printed). */
  readonly loadLog: readonly string[];
  /** The core's own name and version, e.g. "Gambatte v0.5.0". */
  readonly coreVersion: string;
  readonly #b: LibretroBinding;
  readonly #h: CoreHandle;
  #frame = 0;
  #held = 0;
  #heldFrames = 0;
  #screen = new Uint8Array(WIDTH * HEIGHT * 3);
  #screenValid = false;
  #closed = false;
  /** The state right after load: reset() returns to it (gambatte's retro_reset keeps the LCD phase). */
  readonly #powerOn: Buffer;

  /**
   * Loads `corePath` and the ROM into it.
   * @throws ConfigError when the addon is not built or the core file cannot be loaded (not a file,
   *   not a libretro core, wrong API version); EmulatorFault when the core refuses the ROM.
   */
  constructor(corePath: string, rom: Uint8Array, options: LibretroOptions = {}) {
    const b = options.binding ?? LibretroEmulator.binding();
    const tmp = options.tmpDir ?? tmpdir();
    const sys = options.systemDir ?? defaultDir();
    let h: CoreHandle;
    try {
      h = b.open(corePath, tmp, sys, sys);
    } catch (err) {
      throw new ConfigError('GBS_ERR_CORE_LOAD', (err as Error).message);
    }
    const info = b.info(h);
    try {
      b.loadGame(h, rom, options.romName ?? 'game.gbc');
    } catch (err) {
      const said = b.messages(h).split('\n').filter((l) => l !== '' && !l.startsWith('info: ') && !l.startsWith('debug: '));
      b.close(h);
      const why = said.length > 0 ? ` (it said: ${said.join('; ')})` : ` (${(err as Error).message})`;
      throw new EmulatorFault(`${info.libraryName || basename(corePath)} refused the ROM${why}`);
    }
    this.#b = b;
    this.#h = h;
    this.#powerOn = b.saveState(h);
    this.loadLog = b.messages(h).split('\n').filter(Boolean);
    // Warnings only; what the core prints as it loads ("MBC5 ROM+RAM loaded.") stays in loadLog.
    this.loadNotes = this.loadLog.filter((l) => l.startsWith('warn: ') || l.startsWith('error: '));
    this.core = options.coreName ?? (info.libraryName.toLowerCase() === 'gambatte' ? 'gambatte' : info.libraryName);
    this.coreVersion = `${info.libraryName} ${info.libraryVersion}`.trim();
    // The core runs CGB mode exactly when the header asks for it (gambatte's "auto" hardware mode).
    this.cgb = rom.length > 0x143 && (rom[0x143]! & 0x80) !== 0;
  }

  /** The addon, or a ConfigError saying why it is unavailable. */
  static binding(): LibretroBinding {
    const result = tryLoadLibretroBinding();
    if ('binding' in result) return result.binding;
    throw new ConfigError('GBS_ERR_CORE_LOAD', `libretro cores need gbstream's native addon: ${result.reason}`);
  }

  get frame(): number {
    return this.#frame;
  }

  /** gambatte has no fault state: like the hardware, it locks up on a bad opcode rather than stop. */
  get faulted(): boolean {
    return false;
  }

  hold(buttons: readonly Button[], frames = 1): void {
    this.#held = buttonMask(buttons);
    this.#heldFrames = Math.max(0, Math.floor(frames));
  }

  step(): void {
    this.#check();
    const mask = this.#heldFrames > 0 ? this.#held : 0;
    if (this.#heldFrames > 0) this.#heldFrames--;
    this.#b.run(this.#h, 1, mask);
    this.#frame++;
    this.#screenValid = false;
  }

  run(buttons: readonly Button[], frames: number): void {
    this.#check();
    const n = Math.max(0, Math.floor(frames));
    if (n === 0) return;
    // Like hold(buttons, n) and n steps (serverboy's run): what was held before is replaced and used up.
    this.#heldFrames = 0;
    this.#b.run(this.#h, n, buttonMask(buttons));
    this.#frame += n;
    this.#screenValid = false;
  }

  /** Converted from the core's pixel format only when asked, once per frame. */
  screenRgb(): Uint8Array {
    if (!this.#screenValid && !this.#closed) {
      this.#checkFrameSize();
      this.#b.screen(this.#h, this.#screen);
      this.#screenValid = true;
    }
    return this.#screen;
  }

  /** Straight from the core's pixel format in one native pass (black before the first frame). */
  screenGray(): Uint8Array {
    const out = new Uint8Array(WIDTH * HEIGHT);
    if (this.#closed) return rgbToGray(this.#screen, out); // the last picture it showed
    this.#checkFrameSize();
    this.#b.screenGray(this.#h, out);
    return out;
  }

  #checkFrameSize(): void {
    const [w, h] = this.#b.frameSize(this.#h);
    if (w !== 0 && (w !== WIDTH || h !== HEIGHT)) throw new EmulatorFault(`core sent a ${w}×${h} frame; expected ${WIDTH}×${HEIGHT}`);
  }

  readByte(address: number): number {
    this.#check();
    return this.#b.read(this.#h, address & 0xffff);
  }

  readWramBank(bank: number, address: number): number {
    this.#check();
    return this.#b.readWram(this.#h, bank & 7, address & 0xffff);
  }

  saveState(): Uint8Array {
    this.#check();
    const core = this.#b.saveState(this.#h);
    const out = new Uint8Array(STATE_HEADER + core.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, STATE_MAGIC);
    view.setUint8(4, STATE_VERSION);
    view.setFloat64(8, this.#frame);
    out.set(core, STATE_HEADER);
    return out;
  }

  loadState(state: Uint8Array): void {
    this.#check();
    const view = new DataView(state.buffer, state.byteOffset, state.byteLength);
    if (state.length < STATE_HEADER || view.getUint32(0) !== STATE_MAGIC || view.getUint8(4) !== STATE_VERSION) {
      throw new EmulatorFault(`not a ${this.core} save state from gbstream (${state.length} bytes, bad header)`);
    }
    const frame = view.getFloat64(8);
    if (!Number.isSafeInteger(frame) || frame < 0) throw new EmulatorFault(`save state has a bad frame counter (${frame})`);
    if (!this.#b.loadState(this.#h, state.subarray(STATE_HEADER))) {
      throw new EmulatorFault(`${this.core} rejected the save state (${state.length - STATE_HEADER} bytes; wrong core or ROM?)`);
    }
    this.#frame = frame;
    this.#held = 0;
    this.#heldFrames = 0;
    this.#screenValid = false;
  }

  reset(): void {
    this.#check();
    // retro_reset() on gambatte restarts the CPU but not the LCD's phase, so the game runs a
    // frame off from a fresh load; the state saved at load is power-on exactly.
    if (!this.#b.loadState(this.#h, this.#powerOn)) this.#b.reset(this.#h);
    this.#frame = 0;
    this.#held = 0;
    this.#heldFrames = 0;
    this.#screenValid = false;
  }

  /** What the core has said since load or the last call (warnings for the log). */
  takeMessages(): string[] {
    return this.#closed ? [] : this.#b.messages(this.#h).split('\n').filter(Boolean);
  }

  /** [video callbacks, duplicates] since load: how often the core answered a frame with a dupe. */
  videoCounters(): [number, number] {
    return this.#b.counters(this.#h);
  }

  close(): void {
    if (this.#closed) return;
    // Keep the last frame's picture: screenRgb() and screenGray() answer with it once closed.
    if (!this.#screenValid) {
      const [w, h] = this.#b.frameSize(this.#h);
      if (w === 0 || (w === WIDTH && h === HEIGHT)) this.#b.screen(this.#h, this.#screen);
      this.#screenValid = true;
    }
    this.#closed = true;
    this.#b.close(this.#h);
  }

  #check(): void {
    if (this.#closed) throw new EmulatorFault('this emulator was closed');
  }
}
