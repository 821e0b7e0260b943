/**
 * Clock offset between this page and the server, from ping/pong round trips (the NTP idea):
 * offset ≈ serverTs − (sent + received) / 2, trusting the sample with the smallest round trip
 * among the recent ones, since its one-way delays are the most symmetric.
 */
export interface ClockSample {
  offsetMs: number;
  rttMs: number;
}

export function sampleFrom(sentAt: number, serverTs: number, receivedAt: number): ClockSample {
  return { offsetMs: serverTs - (sentAt + receivedAt) / 2, rttMs: receivedAt - sentAt };
}

export class ClockOffset {
  readonly #keep: number;
  #samples: ClockSample[] = [];

  constructor(keep = 8) {
    this.#keep = keep;
  }

  add(sample: ClockSample): void {
    if (!(sample.rttMs >= 0)) return;
    this.#samples.push(sample);
    if (this.#samples.length > this.#keep) this.#samples.shift();
  }

  /** Server time minus local time, ms; 0 until a sample arrives. */
  get offsetMs(): number {
    const best = this.best();
    return best ? best.offsetMs : 0;
  }

  get known(): boolean {
    return this.#samples.length > 0;
  }

  best(): ClockSample | undefined {
    let best: ClockSample | undefined;
    for (const s of this.#samples) if (!best || s.rttMs < best.rttMs) best = s;
    return best;
  }

  /** Latency of a frame stamped `ts` (server clock) that arrived at `receivedAt` (local clock). */
  latency(ts: number, receivedAt: number): number {
    return receivedAt + this.offsetMs - ts;
  }
}
