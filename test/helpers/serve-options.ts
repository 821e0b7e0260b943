/**
 * ServeOptions for tests: a real server on port 0 running the demo ROM on serverboy, quiet logs.
 * serverboy so that a test means the same on a machine with and without gambatte; tests of the
 * libretro core ask for it (test/core-cli.test.ts).
 */
import type { ServeOptions } from '../../src/app/serve.js';
import { silentLogger } from '../../src/log.js';

export function testServeOptions(overrides: Partial<ServeOptions> = {}): ServeOptions {
  return {
    port: 0,
    host: '127.0.0.1',
    fps: 10,
    quality: 80,
    speed: 1,
    policy: { kind: 'idle' },
    seed: 1,
    force: false,
    sound: false,
    core: 'serverboy',
    log: silentLogger(),
    ...overrides,
  };
}
