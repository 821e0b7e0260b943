#!/usr/bin/env node
/**
 * Install step (root `install` script): builds the native JPEG encoder and the libretro frontend
 * with node-gyp.
 *
 * The addon is optional. On any failure (no compiler, no jpeglib.h, no node-gyp, no Node headers)
 * this prints exactly one line and exits 0, so `npm install` still succeeds and gbstream uses
 * sharp. Set GBSTREAM_SKIP_NATIVE=1 to skip the build on purpose.
 *
 * Offline: node-gyp downloads Node headers unless told where they are. Under npm,
 * npm_config_nodedir comes from the user's npm config; run by hand, we point it at the headers
 * of the Node running this script when they are installed (e.g. /usr/include/node).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const addon = join(here, 'build', 'Release', 'gbstream_jpeg.node');

function fallback(reason) {
  console.log(`gbstream: native JPEG encoder not built (${reason}); using sharp`);
  process.exit(0);
}

/** node-gyp's CLI script: npm's own (npm sets npm_config_node_gyp for scripts), else a local one. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally; the other candidates may still exist
  }
  return candidates.find((p) => p !== undefined && p !== '' && existsSync(p));
}

/** The Node headers' prefix, when npm did not already give one. */
function findNodeDir() {
  if (process.env.npm_config_nodedir) return undefined; // node-gyp reads it from the environment
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

/** The most telling line of a failed build's output, for the one-line message. */
function reasonFrom(output) {
  const lines = output.split('\n').map((l) => l.trim());
  const first = (re) => lines.map((l) => re.exec(l)).find(Boolean);
  const hit =
    first(/^(\S+:\d+:\d+: (?:fatal )?error: .*)$/) ?? // compiler diagnostic, e.g. jpeglib.h missing
    first(/^(\S*ld\S*: cannot find .*)$/) ?? // linker, e.g. -ljpeg missing
    first(/^gyp ERR! stack Error: (.*)$/) ??
    first(/^gyp ERR! (.*)$/);
  const reason = (hit?.[1] ?? lines.filter(Boolean).at(-1) ?? 'unknown error').slice(0, 200);
  // node-gyp probes the compiler first; a dead one only shows up as this warning.
  return output.includes('failed to get compiler predefines') ? `C compiler does not run; ${reason}` : reason;
}

if (process.env.GBSTREAM_SKIP_NATIVE) fallback('GBSTREAM_SKIP_NATIVE is set');

const nodeGyp = findNodeGyp();
if (nodeGyp === undefined) fallback('node-gyp not found');

const args = [nodeGyp, 'rebuild'];
const nodedir = findNodeDir();
if (nodedir !== undefined) args.push(`--nodedir=${nodedir}`);

// 5 minutes: a stuck header download (no network) must not hang npm install forever.
const build = (env) => spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
let run = build({});
// The libretro frontend is optional too and must never cost the JPEG encoder: when the build of
// both fails, build again without it (binding.gyp reads GBSTREAM_SKIP_LIBRETRO).
let libretroMissing = process.env.GBSTREAM_SKIP_LIBRETRO ? 'GBSTREAM_SKIP_LIBRETRO is set' : undefined;
if (!run.error && run.status !== 0 && libretroMissing === undefined) {
  const retry = build({ GBSTREAM_SKIP_LIBRETRO: '1' });
  if (!retry.error && retry.status === 0) {
    libretroMissing = reasonFrom(`${run.stdout}\n${run.stderr}`);
    run = retry;
  }
}
if (run.error) fallback(`node-gyp did not run: ${run.error.message}`);
if (run.status !== 0) fallback(reasonFrom(`${run.stdout}\n${run.stderr}`));
if (!existsSync(addon)) fallback(`node-gyp succeeded but ${addon} is missing`);

// Loading it proves libjpeg links at run time, not only at build time.
try {
  const binding = createRequire(import.meta.url)(addon);
  binding.encode(binding.createEncoder(), new Uint8Array(8 * 8 * 3), 8, 8, 3, 80, true);
} catch (err) {
  fallback(`built but does not load: ${err instanceof Error ? err.message : String(err)}`);
}
console.log('gbstream: native JPEG encoder built');

// The PNG addon (zlib) is a second target of the same build; a load failure costs only PNG speed.
try {
  const png = createRequire(import.meta.url)(join(here, 'build', 'Release', 'gbstream_png.node'));
  png.encode(png.createEncoder(6, 0, 0), new Uint8Array(8 * 8 * 3), 8, 8, 3);
  console.log('gbstream: native PNG encoder built');
} catch (err) {
  console.log(`gbstream: native PNG encoder does not load (${err instanceof Error ? err.message : String(err)}); using the JS PNG encoder`);
}

// Loading the libretro frontend proves it links (it needs only libdl); a core is loaded at run time.
const libretro = join(here, 'build', 'Release', 'gbstream_libretro.node');
if (libretroMissing === undefined) {
  try {
    if (typeof createRequire(import.meta.url)(libretro).open !== 'function') libretroMissing = 'it exports no open()';
  } catch (err) {
    libretroMissing = `built but does not load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
}
console.log(
  libretroMissing === undefined
    ? 'gbstream: libretro frontend built'
    : `gbstream: libretro frontend not built (${libretroMissing}); only the serverboy core runs`,
);
