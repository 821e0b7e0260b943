/**
 * A small publisher written against the wire protocol (no Python): announces `envs` envs, each a
 * flat gray screen of its own shade ((40 i + 20) mod 256, like the Python fixture), and sends
 * raw RGB frames of the envs the server's `demand` wants, at the wanted rate; state otherwise.
 */
import { PUBLISHER_SUBPROTOCOL } from '../../src/protocol/constants.js';
import { TestClient } from './ws-client.js';

const W = 160;
const H = 144;

export const shadeOf = (i: number) => (40 * i + 20) % 256;

export class TsPublisher {
  readonly client: TestClient;
  /** Server env ids of this publisher's envs, in order. */
  ids: number[] = [];
  #fps: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  #last: number[] = [];
  #frames = 0;

  private constructor(client: TestClient) {
    this.client = client;
  }

  static async start(wsUrl: string, envs: number, name: string, token?: string): Promise<TsPublisher> {
    const client = new TestClient(wsUrl, [PUBLISHER_SUBPROTOCOL]);
    await client.opened();
    const p = new TsPublisher(client);
    if (token !== undefined) await client.request({ type: 'auth', id: 1, token });
    const labels = Array.from({ length: envs }, (_, i) => `${name}/${i}`);
    const announced = await client.request({ type: 'announce', id: 2, envs, labels });
    p.ids = announced['envs'] as number[];
    p.#fps = Array.from({ length: envs }, () => 0);
    p.#last = Array.from({ length: envs }, () => 0);
    client.ws.on('message', () => {
      const demand = client.of('demand').at(-1);
      if (demand) p.#fps = demand['fps'] as number[];
    });
    p.#timer = setInterval(() => p.#tick(), 20);
    return p;
  }

  /** How many of its envs the server wants pixels of now. */
  get wanted(): number {
    return this.#fps.filter((f) => f > 0).length;
  }

  #tick(): void {
    const now = performance.now();
    this.#fps.forEach((fps, i) => {
      if (fps <= 0 || now - this.#last[i]! < 1000 / fps) return;
      this.#last[i] = now;
      this.client.send({ type: 'pub_frame', env: i, format: 'rgb', data: new Uint8Array(W * H * 3).fill(shadeOf(i)), state: { env: i, n: ++this.#frames } });
    });
  }

  close(): void {
    clearInterval(this.#timer);
    this.client.ws.terminate();
  }
}
