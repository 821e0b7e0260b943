/**
 * Open connections per remote address, for endpoints anyone may open without a token (`/ws`:
 * viewers get hello, the map's snapshot and a share of the frames before they say a word;
 * publishers get answers before auth). Past the socket policy's `maxConnectionsPerAddress` an address is refused until one of
 * its connections closes. Addresses with no connection are forgotten, so it holds only live ones.
 */
export class AddressConnections {
  readonly max: number;
  readonly #open = new Map<string, number>();

  constructor(max: number) {
    this.max = max;
  }

  /** Whether `address` may open one more. */
  mayOpen(address: string): boolean {
    return (this.#open.get(address) ?? 0) < this.max;
  }

  opened(address: string): void {
    this.#open.set(address, (this.#open.get(address) ?? 0) + 1);
  }

  closed(address: string): void {
    const n = (this.#open.get(address) ?? 0) - 1;
    if (n > 0) this.#open.set(address, n);
    else this.#open.delete(address);
  }

  /** Open connections of `address`. */
  of(address: string): number {
    return this.#open.get(address) ?? 0;
  }
}
