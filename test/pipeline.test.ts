/**
 * Pipeline unit tests: a fake emulator (a screen buffer and a bus) and a fake encoder whose
 * encodes finish when the test says, so the order of events is forced, not timed.
 */
import { describe, expect, it } from 'vitest';
import type { FrameEncoder } from '../src/encode/encoder.js';
import { pino } from 'pino';
import { Pipeline } from '../src/pipeline.js';
import type { EventMessage, FrameMessage } from '../src/protocol/messages.js';
import { decodeRecords } from '../src/protocol/record.js';
import type { MemoryMap } from '../src/state/memory-map.js';

const MAP: MemoryMap = { name: 'test', titles: [], fields: { x: { address: 0xc000, type: 'u8' } } } as unknown as MemoryMap;

class FakeEmulator {
  screen = new Uint8Array(160 * 144 * 3);
  memory = new Map<number, number>();
  failRead: Error | undefined;
  screenRgb(): Uint8Array {
    return this.screen;
  }
  readByte(address: number): number {
    if (this.failRead) throw this.failRead;
    return this.memory.get(address) ?? 0;
  }
  readWramBank(_bank: number, address: number): number {
    return this.readByte(address);
  }
}

/** Encodes finish when `finish(i)` is called; the bytes are the first pixel byte, so a test can tell frames apart. */
class FakeEncoder implements FrameEncoder {
  readonly name = 'fake';
  readonly format = 'jpeg' as const;
  readonly calls: Array<{ first: number; resolve: () => void; reject: (e: Error) => void }> = [];
  throwNext: Error | undefined;
  encode(pixels: Uint8Array): Promise<Buffer> {
    if (this.throwNext) {
      const err = this.throwNext;
      this.throwNext = undefined;
      throw err; // as the native addon's synchronous argument check does
    }
    const first = pixels[0]!;
    return new Promise((resolve, reject) => {
      this.calls.push({ first, resolve: () => resolve(Buffer.from([first])), reject });
    });
  }
}

function setup() {
  let now = 0;
  const emulator = new FakeEmulator();
  const encoder = new FakeEncoder();
  const frames: FrameMessage[] = [];
  const events: EventMessage[] = [];
  const logged: string[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => logged.push(line) });
  const pipeline = new Pipeline({
    emulator,
    encoder,
    map: MAP,
    fps: 10,
    log,
    env: 3,
    clock: () => now,
    wallClock: () => 1_000_000 + now,
    sink: {
      frame: (record, message) => {
        const plain = { ...message, data: new Uint8Array(message.data) };
        expect(decodeRecords(record)[0]).toEqual(plain); // the record is the message, encoded
        frames.push(plain);
      },
      event: (message) => events.push(message),
    },
  });
  const settle = () => new Promise((r) => setImmediate(r));
  const at = (ms: number) => (now = ms);
  return { pipeline, emulator, encoder, frames, events, logged, settle, at };
}

describe('Pipeline', () => {
  it('publishes a sampled frame as a frame record with the encoder’s format, the state and the capture time', async () => {
    const t = setup();
    t.emulator.screen[0] = 7;
    t.emulator.memory.set(0xc000, 42);
    t.pipeline.afterFrame(100);
    t.emulator.screen[0] = 9; // the next frame overwrites the core's buffer: the copy must not change
    t.encoder.calls[0]!.resolve();
    await t.settle();
    expect(t.frames).toEqual([{ type: 'frame', env: 3, seq: 0, frame: 100, ts: 1_000_000, width: 160, height: 144, format: 'jpeg', data: new Uint8Array([7]), state: { x: 42 } }]);
    expect(t.pipeline.stats.published).toBe(1);
  });

  it('skips (and counts) a sample while the previous encode is still running', async () => {
    const t = setup();
    t.pipeline.afterFrame(1);
    t.at(50);
    t.pipeline.afterFrame(2); // not due yet (10 fps): not a skip
    t.at(100);
    t.pipeline.afterFrame(3); // due, but encode 1 is in flight
    t.at(200);
    t.pipeline.afterFrame(4);
    expect(t.encoder.calls).toHaveLength(1);
    expect(t.pipeline.stats.encodeBusySkips).toBe(2);
    t.encoder.calls[0]!.resolve();
    await t.settle();
    t.at(300);
    t.pipeline.afterFrame(5);
    expect(t.encoder.calls).toHaveLength(2);
    t.encoder.calls[1]!.resolve();
    await t.settle();
    expect(t.frames.map((f) => [f.seq, f.frame])).toEqual([[0, 1], [1, 5]]);
  });

  it('publishes a still (the fault placeholder) only after the encode in flight, so it is the last picture', async () => {
    const t = setup();
    t.emulator.screen[0] = 1;
    t.pipeline.afterFrame(10);
    const still = new Uint8Array(160 * 144 * 3).fill(0x40);
    t.pipeline.publishStill(still, 11);
    await t.settle();
    expect(t.encoder.calls).toHaveLength(1); // the still waits
    t.encoder.calls[0]!.resolve();
    await t.settle();
    expect(t.encoder.calls).toHaveLength(2);
    t.at(100);
    t.pipeline.afterFrame(12); // the still is in flight: skipped, not published after it
    t.encoder.calls[1]!.resolve();
    await t.settle();
    expect(t.frames.map((f) => [f.frame, f.data[0], f.state])).toEqual([[10, 1, { x: 0 }], [11, 0x40, {}]]);
  });

  it('after discard() (a reset) publishes nothing sampled before it, neither frame nor state', async () => {
    const t = setup();
    t.emulator.memory.set(0xc000, 99);
    t.pipeline.afterFrame(500);
    t.pipeline.publishStill(new Uint8Array(160 * 144 * 3), 501);
    t.pipeline.discard();
    t.emulator.memory.set(0xc000, 1);
    t.encoder.calls[0]!.resolve();
    await t.settle();
    expect(t.frames).toEqual([]);
    expect(t.encoder.calls).toHaveLength(1); // the still was dropped too
    t.at(100);
    t.pipeline.afterFrame(1); // the first frame after the reset is not blocked by the stale encode
    t.encoder.calls[1]!.resolve();
    await t.settle();
    expect(t.frames.map((f) => [f.seq, f.frame, f.state])).toEqual([[0, 1, { x: 1 }]]);
  });

  // Issue 12 item 10: afterFrame runs in the emulator's timer callback; a throw there killed the server.
  it('contains a failure in afterFrame (sync encoder check, state read, rejected encode): one event and one log line per run of failures', async () => {
    const t = setup();
    t.encoder.throwNext = new RangeError('pixels must be 69120 bytes');
    expect(() => t.pipeline.afterFrame(1)).not.toThrow();
    t.at(100);
    t.emulator.failRead = new Error('bus exploded');
    expect(() => t.pipeline.afterFrame(2)).not.toThrow();
    expect(t.events.map((e) => e.code)).toEqual(['GBS_ERR_FRAME_FAILED']); // the second failure of the run is only counted
    expect(t.events[0]!.message).toContain('pixels must be 69120 bytes');
    expect(t.logged).toHaveLength(1);
    t.emulator.failRead = undefined;
    t.at(200);
    t.pipeline.afterFrame(3);
    t.encoder.calls[0]!.resolve();
    await t.settle();
    expect(t.frames.map((f) => f.frame)).toEqual([3]);
    t.at(300);
    t.pipeline.afterFrame(4);
    t.encoder.calls[1]!.reject(new Error('encoder crashed'));
    await t.settle();
    expect(t.events.map((e) => e.code)).toEqual(['GBS_ERR_FRAME_FAILED', 'GBS_ERR_FRAME_FAILED']); // a new run after a success
    expect(t.pipeline.stats.failures).toBe(3);
    t.at(400);
    t.pipeline.afterFrame(5); // the rejected encode no longer counts as in flight
    expect(t.encoder.calls).toHaveLength(3);
  });
});
