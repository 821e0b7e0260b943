/**
 * Cores on several threads at once: each worker runs its own gambatte copies, and every env ends
 * exactly where the same inputs take it on the main thread. Proves the thread-local "current
 * instance" of the native frontend keeps envs apart across threads (workers load dist/).
 */
import { fstatSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { LibretroEmulator } from '../src/emulator/libretro.js';
import type { Button } from '../src/protocol/messages.js';
import { DEMO_ROM_PATH } from '../src/paths.js';
import { GAMBATTE, hasGambatte } from './helpers/gambatte.js';

const DIST = new URL('../dist/emulator/libretro.js', import.meta.url).href;

const WORKER = `
  import { readFileSync } from 'node:fs';
  import { parentPort, workerData } from 'node:worker_threads';
  const { LibretroEmulator } = await import(workerData.dist);
  const rom = new Uint8Array(readFileSync(workerData.rom));
  const emus = Array.from({ length: 4 }, () => new LibretroEmulator(workerData.core, rom));
  for (let k = 0; k < 200; k++) emus.forEach((e, i) => e.run(workerData.buttons, 1 + i));
  parentPort.postMessage(emus.map((e) => [e.frame, e.readByte(0xd000), e.readByte(0xd001), e.readByte(0xd007)]));
`;

function inWorker(buttons: Button[]): Promise<number[][]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { dist: DIST, rom: DEMO_ROM_PATH, core: GAMBATTE, buttons } });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

describe.skipIf(!hasGambatte)('libretro cores on worker threads', () => {
  it('two workers running four cores each end where the main thread does', async () => {
    const [right, left] = await Promise.all([inWorker(['right']), inWorker(['left'])]);
    const rom = new Uint8Array(await readFile(DEMO_ROM_PATH));
    const expected = (buttons: Button[]) =>
      [0, 1, 2, 3].map((i) => {
        const e = new LibretroEmulator(GAMBATTE!, rom);
        for (let k = 0; k < 200; k++) e.run(buttons, 1 + i);
        const out = [e.frame, e.readByte(0xd000), e.readByte(0xd001), e.readByte(0xd007)];
        e.close();
        return out;
      });
    expect(right).toEqual(expected(['right']));
    expect(left).toEqual(expected(['left']));
    expect(right[0]![1]).not.toBe(left[0]![1]);
  }, 60_000);

  it('threads loading cores at the same moment leave stdout and stderr where they were', async () => {
    // Each load points fds 1/2 at a temp file for a moment (the core prints while loading); a
    // process-wide lock keeps two threads from saving each other's redirection.
    const before = [fstatSync(1).ino, fstatSync(2).ino];
    const LOADER = `
      import { readFileSync } from 'node:fs';
      import { parentPort, workerData } from 'node:worker_threads';
      const { LibretroEmulator } = await import(workerData.dist);
      const rom = new Uint8Array(readFileSync(workerData.rom));
      for (let i = 0; i < 40; i++) new LibretroEmulator(workerData.core, rom).close();
      parentPort.postMessage('done');
    `;
    const load = () =>
      new Promise((resolve, reject) => {
        const w = new Worker(LOADER, { eval: true, workerData: { dist: DIST, rom: DEMO_ROM_PATH, core: GAMBATTE } });
        w.once('message', resolve);
        w.once('error', reject);
      });
    await Promise.all([load(), load(), load()]);
    expect([fstatSync(1).ino, fstatSync(2).ino]).toEqual(before);
  }, 60_000);
});
