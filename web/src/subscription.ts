/**
 * What the page subscribes to, sent only when it changes and at most every `minGapMs` (scrolling a
 * grid changes the visible thumbnails many times a second). Pure apart from the injected send
 * and timer; unit-tested.
 */
export interface Wanted {
  envs: number[];
  thumbs: number[];
  states: boolean;
}

export const SUBSCRIBE_MIN_GAP_MS = 250;
/** Thumbnail rate the grid asks for: enough to see an env move, cheap at 288 envs. */
export const THUMB_FPS = 2;

export class SubscriptionPlanner {
  readonly #send: (message: Record<string, unknown>) => void;
  readonly #now: () => number;
  readonly #later: (fn: () => void, ms: number) => void;
  #sentKey: string | undefined;
  #pending: Wanted | undefined;
  #lastAt = -Infinity;
  #timer = false;
  #id = 5000;

  constructor(send: (message: Record<string, unknown>) => void, now: () => number = () => performance.now(), later: (fn: () => void, ms: number) => void = (fn, ms) => void setTimeout(fn, ms)) {
    this.#send = send;
    this.#now = now;
    this.#later = later;
  }

  /** A new connection: the server knows nothing of the last subscription. */
  reset(): void {
    this.#sentKey = undefined;
  }

  want(wanted: Wanted): void {
    this.#pending = wanted;
    const wait = this.#lastAt + SUBSCRIBE_MIN_GAP_MS - this.#now();
    if (wait <= 0) this.#flush();
    else if (!this.#timer) {
      this.#timer = true;
      this.#later(() => {
        this.#timer = false;
        this.#flush();
      }, wait);
    }
  }

  #flush(): void {
    const w = this.#pending;
    if (!w) return;
    this.#pending = undefined;
    const key = JSON.stringify(w);
    if (key === this.#sentKey) return;
    this.#sentKey = key;
    this.#lastAt = this.#now();
    this.#send({ type: 'subscribe', id: ++this.#id, envs: w.envs, thumbs: w.thumbs, thumbFps: THUMB_FPS, states: w.states });
  }
}
