/**
 * Emulator faults: a ROM of our own that runs an illegal opcode after a few frames. Real
 * hardware locks up there; serverboy would log to stdout and carry on, so the adapter turns it
 * into a fault. The server must stay up, tell viewers, show a placeholder, and `reset` recovers.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Serving } from '../src/app/serve.js';
import { buildDemoRom } from '../tools/demo/rom.js';
import { EmulatorFault } from '../src/emulator/emulator.js';
import { ServerboyEmulator } from '../src/emulator/serverboy.js';
import { silentLogger } from '../src/log.js';
import { TestClient } from './helpers/ws-client.js';

const FAULT_AFTER_FRAMES = 30;
const FAULTING_ROM = `
SECTION "main", ROM0[$150]
start:
        ld c, ${FAULT_AFTER_FRAMES}
.frame:
        ldh a, [$FF44]          ; wait for VBlank (LY = 144) …
        cp 144
        jr nz, .frame
.leave:
        ldh a, [$FF44]          ; … and for it to end
        cp 144
        jr z, .leave
        dec c
        jr nz, .frame
        db $D3                  ; not an SM83 instruction
`;

let romPath: string;
let serving: Serving;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gbstream-fault-'));
  romPath = join(dir, 'fault.gbc');
  await writeFile(romPath, buildDemoRom(FAULTING_ROM));
  serving = await serve({
    rom: romPath,
    port: 0,
    host: '127.0.0.1',
    fps: 10,
    quality: 80,
    speed: 'max',
    policy: { kind: 'idle' },
    seed: 1,
    force: false,
    sound: false,
    log: silentLogger(),
    control: { mode: 'open' },
    // serverboy: gambatte, like the hardware, locks up on an illegal opcode instead of faulting.
    core: 'serverboy',
  });
});

afterAll(async () => {
  await serving?.stop();
});

describe('emulator faults', () => {
  it('the adapter raises EmulatorFault on an illegal opcode and stays stopped until reset', async () => {
    const { readFile } = await import('node:fs/promises');
    const emu = new ServerboyEmulator(new Uint8Array(await readFile(romPath)));
    let fault: unknown;
    for (let i = 0; i < 200 && !fault; i++) {
      try {
        emu.step();
      } catch (err) {
        fault = err;
      }
    }
    expect(fault).toBeInstanceOf(EmulatorFault);
    expect((fault as Error).message).toMatch(/illegal opcode 0xd3 at 0x01/);
    expect(emu.faulted).toBe(true);
    expect(() => emu.step()).toThrow(/reset/);
    emu.reset();
    emu.step();
    expect(emu.frame).toBe(1);
  });

  it('becomes an error event and a placeholder frame; the server stays up and reset recovers', async () => {
    const client = new TestClient(serving.server.url.replace(/^http/, 'ws') + 'ws');
    await client.opened();
    // At --speed max the ROM faults within milliseconds of start; a late client may have missed
    // the event, so reset first and watch the whole cycle.
    await client.request({ type: 'command', id: 1, name: 'reset' });
    const event = await client.waitFor((m) => m.type === 'event' && m['code'] === 'GBS_ERR_EMULATOR_FAULT', 15_000);
    expect(event['level']).toBe('error');
    expect(event['message']).toMatch(/illegal opcode/);
    const placeholder = await client.waitFor((m) => m.type === 'frame' && Object.keys(m['state'] as object).length === 0 && m.receivedAt >= event.receivedAt, 15_000);
    expect((placeholder['data'] as Uint8Array).byteLength).toBeGreaterThan(100);

    const ack = await client.request({ type: 'command', id: 2, name: 'reset' });
    expect(ack).toMatchObject({ type: 'ack', of: 'command' });
    const from = client.messages.length;
    await client.waitFor((m) => m.type === 'event' && m['code'] === 'GBS_ERR_EMULATOR_FAULT', 15_000, from);

    const unknown = await client.request({ type: 'command', id: 3, name: 'self-destruct' });
    expect(unknown).toMatchObject({ type: 'error', code: 'GBS_ERR_UNSUPPORTED' });
    const badSpeed = await client.request({ type: 'command', id: 4, name: 'speed', args: { value: -1 } });
    expect(badSpeed).toMatchObject({ type: 'error', code: 'GBS_ERR_BAD_FIELD' });
    client.ws.close();
  });
});
