/** Runner with an injected clock: pacing and slicing follow the clock it is given, not the wall. */
import { describe, expect, it } from 'vitest';
import { GB_FRAME_RATE } from '../src/emulator/emulator.js';
import { Runner, SLICE_MS } from '../src/emulator/runner.js';

type RunnerEmulator = ConstructorParameters<typeof Runner>[0];

/** Only what the Runner touches: the frame counter and step(). */
function fakeEmulator(): RunnerEmulator {
  const emu = { frame: 0, step: () => void emu.frame++ };
  return emu as unknown as RunnerEmulator;
}

const turn = () => new Promise((r) => setImmediate(r));

describe('Runner', () => {
  it('at speed 1 runs exactly the frames the clock says are due', async () => {
    let now = 0;
    const emu = fakeEmulator();
    const seen: number[] = [];
    const runner = new Runner(emu, 1, { beforeFrame: () => undefined, afterFrame: (f) => seen.push(f), onFault: () => undefined }, () => now);
    runner.start();
    now = (3.5 * 1000) / GB_FRAME_RATE; // three and a half frame times later
    await turn();
    runner.stop();
    expect(seen).toEqual([1, 2, 3]);
    expect(runner.framesRun).toBe(3);
  });

  it('at speed max yields after SLICE_MS of its clock', async () => {
    let now = 0;
    const emu = fakeEmulator();
    const runner = new Runner(emu, 'max', { beforeFrame: () => undefined, afterFrame: () => (now += 1), onFault: () => undefined }, () => now);
    runner.start();
    await turn();
    runner.stop();
    expect(runner.framesRun).toBe(SLICE_MS); // one frame per clock ms, one slice
  });
});
