/**
 * Builds the embedded demo ROM from src/demo/demo.asm and writes src/demo/gbstream-demo.gbc.
 *
 *   npm run demo:build
 *
 * The built ROM is committed; test/demo-rom.test.ts checks it still matches the source.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildDemoRom, demoSourcePath } from './rom.js';

const DEMO_ROM_FILE = 'gbstream-demo.gbc';

const rom = buildDemoRom();
const out = join(dirname(demoSourcePath()), DEMO_ROM_FILE);
writeFileSync(out, rom);
console.log(`wrote ${out} (${rom.length} bytes, header checksum $${rom[0x14d]?.toString(16).padStart(2, '0')})`);
