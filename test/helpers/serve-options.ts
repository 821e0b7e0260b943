/** ServeOptions for tests: a real server on port 0 running the demo ROM, quiet logs. */
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
    log: silentLogger(),
    ...overrides,
  };
}
