/**
 * gbstream runs on every Node that package.json's `engines` allows (>= 20). A child process loads
 * the built modules with `node:zlib` as Node 20.0–20.14 has it (no `crc32`): a named import of
 * something newer fails at link time, before any code runs, so gbstream would not start at all.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/encode/png-frame.js';
import { PACKAGE_ROOT } from '../src/paths.js';

const run = promisify(execFile);
const HOOKS = new URL('./helpers/zlib-without-crc32-hooks.mjs', import.meta.url).href;

describe('Node versions package.json allows', () => {
  it('engines says Node >= 20 (what the test below stands for)', () => {
    const pkg = JSON.parse(readFileSync(`${PACKAGE_ROOT}/package.json`, 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe('>=20');
  });

  it("the PNG chunks' own CRC-32 is the standard one (check value of '123456789')", () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('the library (the PNG encoder included) loads and writes a valid PNG without zlib.crc32', async () => {
    const script = `
      import { register } from 'node:module';
      register(${JSON.stringify(HOOKS)});
      const zlib = await import('node:zlib');
      if ('crc32' in zlib) throw new Error('the hook did not take crc32 away');
      const { JsPngEncoder } = await import('./dist/encode/png-js-encoder.js');
      await import('./dist/index.js');
      const png = await new JsPngEncoder().encode(new Uint8Array(4 * 2 * 3).fill(200), 4, 2, 3);
      const { PNG } = (await import('pngjs')).default;
      const img = PNG.sync.read(png);
      process.stdout.write(JSON.stringify([img.width, img.height, img.data[0]]));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: PACKAGE_ROOT });
    expect(JSON.parse(stdout)).toEqual([4, 2, 200]);
  });
});
