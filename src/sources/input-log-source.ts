/**
 * An input-log recording as a source (`gbstream replay FILE --rom ROM`): every env is re-emulated
 * on its recorded core from the log (src/record/inputs/), encoded and sent through the site's
 * fan-out like a live env's frames, so the viewer, `/api/*` and `/ws` work as on the live server.
 *
 * One clock (recorded ms; position p = emulated frame p of every env's episodes one after another)
 * moves all envs; pause, resume, speed and seek move it (see replay/input-timeline.ts). An env is
 * emulated only while someone wants its frames (the site's demand: the focused env at up to
 * `--fps`, thumbnails at their rate), by running its core forward to the clock's position; a
 * seek, or an env someone starts watching, goes from the nearest checkpoint at full core speed.
 * Every checkpoint a run passes is verified; a mismatch is an `event` naming env and frame.
 * Renders run one at a time; a seek makes a render still running stale.
 */
import { basename } from 'node:path';
import { demandFor } from '../hub/demand.js';
import type { EncoderKind } from '../encode/select-encoder.js';
import { selectEncoder } from '../encode/select-encoder.js';
import type { FrameEncoder } from '../encode/encoder.js';
import { GB_FRAME_RATE } from '../emulator/emulator.js';
import { speedArg } from '../emulator/pacer.js';
import type { Logger } from '../log.js';
import { MAPS_DIR } from '../paths.js';
import { ErrorCode, EventCode, SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import { frameRecord } from '../protocol/frame-record.js';
import type { EventMessage, FrameFormat, HelloMessage, ReplayInfo } from '../protocol/messages.js';
import type { Episode, InputLog } from '../record/inputs/input-log-index.js';
import { Rerenderer, type Desync } from '../record/inputs/rerender.js';
import { checkReplayable, openInputLog } from '../record/inputs/verify.js';
import { locate, msOfPosition, positionOf, positionOfMs, timelineOf, type EnvTimeline } from '../replay/input-timeline.js';
import { PlaybackClock } from '../replay/playback-clock.js';
import { loadRomFile } from '../rom/load.js';
import { findMapForTitle, type MemoryMap } from '../state/memory-map.js';
import { readState } from '../state/read-state.js';
import { RECORDED_CAN, type EnvNumbers, type EnvSource, type SiteContext, type SourceEnv } from './source.js';

/**
 * Seconds of playback an env may be behind and still run forward through them (so playback
 * verifies every checkpoint it passes); an env further behind — not watched for a while, or a
 * speed its core cannot keep up with — jumps from the nearest checkpoint.
 */
const PLAY_THROUGH_S = 10;

export interface InputLogSourceOptions {
  file: string;
  /** The ROM the recording was made with (its SHA-1 is checked). */
  rom: string;
  /** Frames per second of wall time the focused env is sent at, at most (1–60). */
  fps: number;
  speed: number;
  loop: boolean;
  autoplay?: boolean;
  /** Frame images (default: the recording's stream format). */
  format?: FrameFormat;
  quality: number;
  encoder?: EncoderKind;
  log: Logger;
  /** Monotonic ms (tests inject one). */
  now?: () => number;
}

/** One env's playback. */
interface EnvPlay {
  timeline: EnvTimeline;
  renderer: Rerenderer | undefined;
  /** Position whose picture was sent last (-1: none). */
  shown: number;
  shownEpisode: Episode | undefined;
  lastSent: number;
  seq: number;
  published: number;
  /** For the per-second rates. */
  lastPublished: number;
  lastEmulated: number;
  fps: number;
  emuFps: number;
  faulted: boolean;
}

/**
 * Reads the input log, checks the ROM and the cores, and makes the encoder.
 * @throws ConfigError (one line) for a missing file, no input log, another ROM, a missing core.
 */
export async function openInputLogSource(o: InputLogSourceOptions): Promise<InputLogSource> {
  const log = await openInputLog(o.file);
  for (const issue of log.issues) o.log.warn({ offset: issue.offset }, issue.message);
  const rom = await loadRomFile(o.rom, { force: true });
  checkReplayable(log, rom.bytes, o.rom);
  const found = log.hello.map ? await findMapForTitle(MAPS_DIR, rom.info.title) : undefined;
  const map = found && found.name === log.hello.map ? found : undefined;
  const encoder = selectEncoder(o.encoder ?? 'auto', { quality: o.quality, format: o.format ?? log.hello.format ?? 'jpeg' }, (message) => o.log.warn(message));
  return new InputLogSource(o, log, rom.bytes, map, encoder);
}

export class InputLogSource implements EnvSource {
  readonly kind = 'recording';
  readonly can = RECORDED_CAN;
  readonly log: InputLog;
  readonly romBytes: Uint8Array;
  readonly map: MemoryMap | undefined;
  readonly encoder: FrameEncoder;
  readonly clock: PlaybackClock;
  /** `ts` of position 0: the first start record's wall time. */
  readonly startTs: number;
  readonly #o: InputLogSourceOptions;
  readonly #now: () => number;
  readonly #envs = new Map<number, EnvPlay>();
  readonly #slots: number;
  readonly #desyncs = new Set<string>();
  #site: SiteContext | undefined;
  #timer: NodeJS.Timeout | undefined;
  #rateTimer: NodeJS.Timeout | undefined;
  /** Renders run one after another on this chain. */
  #lock: Promise<void> = Promise.resolve();
  /** Bumped by a seek: a render begun before it is stale. */
  #generation = 0;
  #touched = false;
  /** Commands taken (a cue that waits for the first pictures does not override one). */
  #steered = 0;
  #endSent = false;
  #closed = false;

  constructor(o: InputLogSourceOptions, log: InputLog, rom: Uint8Array, map: MemoryMap | undefined, encoder: FrameEncoder) {
    this.#o = o;
    this.log = log;
    this.romBytes = rom;
    this.map = map;
    this.encoder = encoder;
    this.#now = o.now ?? (() => performance.now());
    let longest = 0;
    for (const [env, episodes] of [...log.envs].sort((a, b) => a[0] - b[0])) {
      const timeline = timelineOf(env, episodes);
      longest = Math.max(longest, timeline.total);
      this.#envs.set(env, { timeline, renderer: undefined, shown: -1, shownEpisode: undefined, lastSent: -Infinity, seq: 0, published: 0, lastPublished: 0, lastEmulated: 0, fps: 0, emuFps: 0, faulted: false });
    }
    this.#slots = Math.max(log.hello.envs, ...[...this.#envs.keys()].map((e) => e + 1));
    this.clock = new PlaybackClock(msOfPosition(Math.max(0, longest - 1)), o.speed, this.#now);
    // A loop, not Math.min(...starts): a spread of very many episodes overflows the stack.
    let first = Infinity;
    for (const episodes of log.envs.values()) for (const e of episodes) if (e.ts !== undefined && e.ts < first) first = e.ts;
    this.startTs = first < Infinity ? first : Date.now();
  }

  /** The recorded hello, without the per-client `control`. */
  get hello(): Omit<HelloMessage, 'control'> {
    const { control: _control, ...hello } = this.log.hello;
    return hello;
  }

  replayInfo(): ReplayInfo {
    const frames = [...this.#envs.values()].reduce((n, p) => n + p.timeline.total, 0);
    return { durationMs: this.clock.durationMs, frames, startTs: this.startTs, speed: this.clock.speed, playing: !this.clock.paused };
  }

  envs(): SourceEnv[] {
    return Array.from({ length: this.#slots }, (_, env) => ({ env, label: `env ${env}`, source: 'local' as const, live: true, width: SCREEN_WIDTH, height: SCREEN_HEIGHT, can: RECORDED_CAN }));
  }

  slots(): number {
    return this.#slots;
  }

  /** Frames emulated for `env` so far (seeks included). */
  emulated(env: number): number {
    return this.#envs.get(env)?.renderer?.stepped ?? 0;
  }

  start(site: SiteContext): void {
    this.#site = site;
    this.#rateTimer = setInterval(() => {
      for (const p of this.#envs.values()) {
        const emulated = p.renderer?.stepped ?? 0;
        [p.fps, p.emuFps, p.lastPublished, p.lastEmulated] = [p.published - p.lastPublished, emulated - p.lastEmulated, p.published, emulated];
      }
    }, 1000);
    this.#rateTimer.unref();
    // Each env's first picture, for HTTP readers and viewers before playback starts.
    this.#exclusive(async () => {
      for (const env of this.#envs.keys()) await this.#show(env, 0, this.#generation);
    }).catch((err: unknown) => this.#o.log.error({ err }, 'input replay: a first picture failed'));
    if (this.#o.autoplay) this.#cue();
    this.#schedule(0);
  }

  viewerJoined(): void {
    if (this.#cue()) this.#o.log.info('first viewer: playback starts');
    // A viewer who comes while playback is paused gets the pictures where it stands (sent again: the emulators are there).
    for (const p of this.#envs.values()) [p.shown, p.lastSent] = [-1, -Infinity];
    this.#schedule(0);
  }

  input(): Promise<void> {
    return Promise.reject(new GbsError(ErrorCode.Unsupported, 'a replay takes no input; its commands are pause, resume, speed and seek'));
  }

  async command(env: number, name: string, args: Record<string, unknown>): Promise<void> {
    this.#touched = true;
    this.#steered++;
    switch (name) {
      case 'pause':
        this.clock.pause();
        return;
      case 'resume':
        this.#endSent = false;
        this.clock.resume();
        this.#schedule(0);
        return;
      case 'speed':
        this.clock.setSpeed(speedArg(args['value'], false) as number);
        return;
      case 'seek':
        return this.#seek(env, args);
      default:
        throw new GbsError(ErrorCode.Unsupported, `unknown replay command ${JSON.stringify(name.slice(0, 32))}; commands: pause, resume, speed, seek`);
    }
  }

  stats(): EnvNumbers[] {
    return [...this.#envs].map(([env, p]) => ({ env, fps: p.fps, emuFps: p.emuFps, speed: this.clock.speed, published: p.published }));
  }

  playback() {
    return { ts: this.startTs + Math.min(this.clock.positionMs(), this.clock.durationMs), speed: this.clock.speed, paused: this.clock.paused };
  }

  health(): Record<string, unknown> {
    return { file: basename(this.#o.file), mode: 'inputs', positionMs: Math.round(Math.min(this.clock.positionMs(), this.clock.durationMs)), durationMs: Math.round(this.clock.durationMs), playing: !this.clock.paused, desyncs: this.#desyncs.size };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#generation++;
    clearTimeout(this.#timer);
    clearInterval(this.#rateTimer);
    await this.#lock;
    for (const p of this.#envs.values()) p.renderer?.close();
    this.#site = undefined;
  }

  /**
   * `seek` with `args.frame` (and `args.episode`): that frame of this env, answered once its
   * picture has gone out; with `args.ms`: that point of the clock.
   */
  async #seek(env: number, args: Record<string, unknown>): Promise<void> {
    const { frame, episode, ms } = args;
    let position: number | undefined;
    if (frame !== undefined) {
      const play = this.#envs.get(env);
      if (!play) throw new GbsError(ErrorCode.NoSuchEnv, `env ${env} has no input log; envs with one: ${[...this.#envs.keys()].join(', ')}`);
      if (!Number.isSafeInteger(frame) || (frame as number) < 0) throw new GbsError(ErrorCode.BadField, `seek needs args.frame: a frame number; got ${JSON.stringify(frame)}`);
      if (episode !== undefined && (!Number.isSafeInteger(episode) || (episode as number) < 0)) throw new GbsError(ErrorCode.BadField, `seek's args.episode must be an episode index; got ${JSON.stringify(episode)}`);
      position = positionOf(play.timeline, frame as number, episode as number | undefined, play.shownEpisode);
      this.clock.seek(msOfPosition(position));
    } else if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 && ms <= this.clock.durationMs) {
      this.clock.seek(ms);
    } else {
      throw new GbsError(ErrorCode.BadField, `seek needs args.ms (milliseconds from the start, 0–${Math.floor(this.clock.durationMs)}) or args.frame (a frame of this env, with args.episode); got ${JSON.stringify(ms)}`);
    }
    this.#endSent = false;
    const generation = ++this.#generation;
    for (const p of this.#envs.values()) p.lastSent = -Infinity; // every env watched shows where the seek landed
    if (position !== undefined) await this.#exclusive(() => this.#show(env, position, generation));
    this.#schedule(0);
  }

  /** Starts playing unless someone steered playback first or it started already. */
  #cue(): boolean {
    if (this.#touched) return false;
    this.#touched = true;
    // After the first pictures (loading the cores takes a moment), unless someone steered meanwhile.
    const steered = this.#steered;
    this.#exclusive(async () => {
      if (this.#steered !== steered) return;
      this.clock.resume();
      this.#schedule(0);
    }).catch(() => undefined);
    return true;
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), ms);
  }

  async #tick(): Promise<void> {
    const interval = 1000 / this.#o.fps;
    try {
      await this.#exclusive(() => this.#renderDue(interval));
    } catch (err) {
      this.#o.log.error({ err }, 'input replay: a render failed');
    }
    // Paused, only a new viewer's env or a seek needs a picture: look less often.
    this.#schedule(this.clock.paused ? Math.max(interval, 100) : interval);
  }

  /** Sends the due envs' pictures at the clock's position, the most wanted first, within about one frame interval. */
  async #renderDue(budgetMs: number): Promise<void> {
    const site = this.#site;
    if (!site || this.#closed) return;
    if (!this.clock.paused && this.clock.ended()) {
      if (this.#o.loop) this.clock.seek(0);
      else {
        this.clock.pause();
        if (!this.#endSent) {
          this.#endSent = true;
          site.control({ type: 'event', ts: Date.now(), level: 'info', code: EventCode.ReplayEnd, message: 'end of the recording; seek or resume to play again' });
        }
      }
    }
    const position = positionOfMs(this.clock.positionMs());
    const ids = [...this.#envs.keys()];
    const wanted = demandFor(ids, site.demand(this.#o.fps));
    const started = this.#now();
    const due = ids
      .map((env, i) => ({ env, fps: wanted[i]!, play: this.#envs.get(env)! }))
      .filter(({ fps, play }) => fps > 0 && !play.faulted && play.timeline.total > 0 && Math.min(position, play.timeline.total - 1) !== play.shown && started - play.lastSent >= 1000 / fps - 1)
      .sort((a, b) => b.fps - a.fps || a.play.lastSent - b.play.lastSent);
    const generation = this.#generation;
    for (const { env } of due) {
      if (generation !== this.#generation || this.#closed) return;
      await this.#show(env, position, generation, true);
      if (this.#now() - started > budgetMs) return; // the rest next time, most overdue first
    }
  }

  /**
   * Re-renders `env` at `position` (clamped to its timeline) and sends the picture. `playing`:
   * an env that is behind by up to PLAY_THROUGH_S of playback runs forward through the
   * checkpoints in between (verifying each); further behind, and on a seek, it jumps.
   */
  async #show(env: number, position: number, generation: number, playing = false): Promise<void> {
    const play = this.#envs.get(env);
    const site = this.#site;
    const at = play && locate(play.timeline, position);
    if (!play || !at || !site || play.faulted) return;
    const stale = () => generation !== this.#generation || this.#closed;
    play.renderer ??= new Rerenderer(this.romBytes, { onDesync: (d) => this.#desync(d) });
    let emu;
    try {
      emu = await play.renderer.moveTo(at.episode, at.frame, stale, playing ? Math.ceil(PLAY_THROUGH_S * GB_FRAME_RATE * Math.max(1, this.clock.speed)) : 0);
    } catch (err) {
      play.faulted = true;
      this.#o.log.error({ err, env }, 'input replay: the core faulted');
      site.sink.event({ type: 'event', ts: Date.now(), level: 'error', code: EventCode.ReplayFault, message: `env ${env}: the core faulted re-running frame ${at.frame} (episode ${at.episode.index}): ${(err as Error).message}` });
      return;
    }
    if (!emu || stale()) return;
    const state = readState(emu, this.map);
    const data = await this.encoder.encode(emu.screenRgb(), SCREEN_WIDTH, SCREEN_HEIGHT, 3);
    if (stale()) return;
    const { record, message } = frameRecord({ env, seq: play.seq++, format: this.encoder.format, data, frame: at.frame, ts: Math.round(this.startTs + msOfPosition(at.position)), state });
    play.shown = at.position;
    play.shownEpisode = at.episode;
    play.lastSent = this.#now();
    play.published++;
    site.sink.frame(record, message);
  }

  #desync(d: Desync): void {
    const key = `${d.env}:${d.episode}:${d.frame}`;
    if (this.#desyncs.has(key)) return;
    this.#desyncs.add(key);
    const message = `env ${d.env} desynced at frame ${d.frame} (episode ${d.episode}): the re-rendered picture differs from the recorded checkpoint`;
    this.#o.log.warn({ env: d.env, frame: d.frame, episode: d.episode }, message);
    const event: EventMessage = { type: 'event', ts: Date.now(), level: 'error', code: EventCode.Desync, message };
    this.#site?.sink.event(event);
  }

  #exclusive(work: () => Promise<void>): Promise<void> {
    const run = this.#lock.then(work);
    this.#lock = run.catch(() => undefined);
    return run;
  }
}
