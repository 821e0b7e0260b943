/** A real StreamServer on port 0 with no emulator behind it: for server-layer tests. */
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/log.js';
import type { HelloMessage } from '../../src/protocol/messages.js';
import { startServer, type StreamServer, type StreamServerOptions } from '../../src/server/server.js';

export const testHello: Omit<HelloMessage, 'control'> = {
  type: 'hello', protocol: 1, server: 'test', envs: 2, fps: 10, width: 160, height: 144, speed: 1, map: null, fields: [], encoder: 'test',
  rom: { title: 'TEST', cgb: 'dmg', cartridgeType: 0, cartridgeName: 'ROM ONLY', size: 32768, sha1: '0', headerChecksumOk: true },
};

export async function startBareServer(overrides: Partial<StreamServerOptions> = {}): Promise<StreamServer & { wsUrl: string }> {
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    webRoot: fileURLToPath(new URL('../../web', import.meta.url)),
    log: silentLogger(),
    hello: () => testHello,
    stats: () => ({ fps: 10, emuFps: 60, speed: 1 }),
    envCount: 2,
    ...overrides,
  });
  return Object.assign(server, { wsUrl: server.url.replace(/^http/, 'ws') + 'ws' });
}
