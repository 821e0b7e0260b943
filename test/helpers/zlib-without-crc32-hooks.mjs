// Module hooks for a child node process: `node:zlib` as Node 20.0–20.14 has it, i.e. without
// `crc32` (added in 20.15 / 22.2). package.json allows any Node >= 20, so gbstream must load there.
import * as zlib from 'node:zlib';

const SHIM = 'gbstream-test:zlib-without-crc32';

export async function resolve(specifier, context, next) {
  if ((specifier === 'node:zlib' || specifier === 'zlib') && context.parentURL !== SHIM) return { url: SHIM, shortCircuit: true };
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url !== SHIM) return next(url, context);
  const names = Object.keys(zlib).filter((n) => n !== 'default' && n !== 'crc32');
  const source = `import z from 'node:zlib';\nexport default z;\n${names.map((n) => `export const ${n} = z.${n};`).join('\n')}\n`;
  return { format: 'module', source, shortCircuit: true };
}
