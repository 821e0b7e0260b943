/**
 * Replay controls, shown when `hello.replay` says the server plays a recording: pause/resume,
 * speed, and a seek bar over the recording's time. Each is a `command` answered with `ack`.
 */
export interface ReplayInfo {
  durationMs: number;
  frames?: number;
  /** `ts` of the recording's first frame, to place frames on the seek bar. */
  startTs?: number;
  /** Playback speed now (the speed selector shows it). */
  speed?: number;
}

export function parseReplayInfo(value: unknown): ReplayInfo | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v['durationMs'] !== 'number' || !(v['durationMs'] >= 0)) return undefined;
  return {
    durationMs: v['durationMs'],
    frames: typeof v['frames'] === 'number' ? v['frames'] : undefined,
    startTs: typeof v['startTs'] === 'number' ? v['startTs'] : undefined,
    speed: typeof v['speed'] === 'number' ? v['speed'] : undefined,
  };
}

/** "m:ss" for a position in ms. */
export function formatPosition(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export class ReplayControls {
  readonly #root: HTMLElement;
  readonly #send: (name: string, args?: Record<string, unknown>) => void;
  readonly #seek: HTMLInputElement;
  readonly #pause: HTMLButtonElement;
  readonly #position: HTMLElement;
  readonly #speed: HTMLSelectElement;
  #positionMs = 0;
  #info: ReplayInfo | undefined;
  #paused = false;
  #dragging = false;
  #firstTs: number | undefined;

  constructor(root: HTMLElement, send: (name: string, args?: Record<string, unknown>) => void) {
    this.#root = root;
    this.#send = send;
    this.#seek = root.querySelector<HTMLInputElement>('#replay-seek')!;
    this.#pause = root.querySelector<HTMLButtonElement>('#replay-pause')!;
    this.#position = root.querySelector<HTMLElement>('#replay-position')!;
    const speed = (this.#speed = root.querySelector<HTMLSelectElement>('#replay-speed')!);
    this.#pause.addEventListener('click', () => {
      this.#paused = !this.#paused;
      this.#send(this.#paused ? 'pause' : 'resume');
      this.#pause.textContent = this.#paused ? 'Resume' : 'Pause';
    });
    speed.addEventListener('change', () => this.#send('speed', { value: Number(speed.value) }));
    this.#seek.addEventListener('input', () => {
      this.#dragging = true;
      this.#showPosition(Number(this.#seek.value));
    });
    this.#seek.addEventListener('change', () => {
      this.#dragging = false;
      this.#send('seek', { ms: Number(this.#seek.value) });
    });
  }

  setInfo(info: ReplayInfo | undefined): void {
    this.#info = info;
    this.#firstTs = info?.startTs;
    this.#root.hidden = !info;
    if (info) this.#seek.max = String(Math.round(info.durationMs));
    if (info?.speed !== undefined) this.setSpeed(info.speed);
  }

  /** Where the shown frame is in the recording, ms. */
  get positionMs(): number {
    return this.#positionMs;
  }

  get durationMs(): number {
    return this.#info?.durationMs ?? 0;
  }

  /**
   * The server's playback speed and state (hello, `stats.playback`): the selector and the button
   * show what plays, whoever set it (`--speed`, another viewer).
   */
  setSpeed(speed: number, paused?: boolean): void {
    const value = String(speed);
    if (document.activeElement !== this.#speed && this.#speed.value !== value) {
      if (![...this.#speed.options].some((o) => o.value === value)) this.#speed.append(new Option(`${value}×`, value));
      this.#speed.value = value;
    }
    if (paused !== undefined && paused !== this.#paused) {
      this.#paused = paused;
      this.#pause.textContent = paused ? 'Resume' : 'Pause';
    }
  }

  /** Moves the seek bar to a frame's place in the recording. */
  frame(ts: number): void {
    if (!this.#info) return;
    this.#firstTs ??= ts;
    if (this.#dragging) return;
    const pos = ts - this.#firstTs;
    this.#seek.value = String(Math.round(pos));
    this.#showPosition(pos);
  }

  #showPosition(ms: number): void {
    this.#positionMs = ms;
    this.#position.textContent = `${formatPosition(ms)} / ${formatPosition(this.#info?.durationMs ?? 0)}`;
  }
}
