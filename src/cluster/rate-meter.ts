/** Events per second over the last second (a remote env's frame or state rate). Time passed in. */
export class RateMeter {
  #stamps: number[] = [];
  total = 0;

  add(now: number): void {
    this.total++;
    this.#stamps.push(now);
    if (this.#stamps.length > 240) this.#stamps.splice(0, this.#stamps.length - 240);
  }

  rate(now: number): number {
    this.#stamps = this.#stamps.filter((t) => now - t < 1000);
    return this.#stamps.length;
  }
}
