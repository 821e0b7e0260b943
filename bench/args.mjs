/**
 * The command line of a bench: `parseArgs` plus `--help`/`-h`, which prints the bench's own header
 * comment (what it measures and how to run it) and exits, and a wrong flag as one line (exit 2)
 * instead of a stack trace; and its imports of the built code (`dist/`), which say "run npm run
 * build first" in one line when it is not there.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The first block comment of a file, without its `*` margins. */
export function headerOf(source) {
  const match = /\/\*\*([\s\S]*?)\*\//.exec(source);
  if (!match) return '';
  return match[1].split('\n').map((line) => line.replace(/^\s*\* ?/, '')).join('\n').trim();
}

/** `options` as for `parseArgs`; returns its values, or exits after `--help` or a wrong flag. */
export function benchArgs(moduleUrl, options, argv = process.argv.slice(2)) {
  const file = fileURLToPath(moduleUrl);
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    console.error(`${basename(file)}: ${err.message} (--help lists the options)`);
    process.exit(2);
  }
  if (values.help) {
    const flags = Object.entries(options).map(([name, o]) => `  --${name}${o.type === 'string' ? ' VALUE' : ''}${o.default !== undefined ? ` (default ${o.default})` : ''}${o.multiple ? ' (repeatable)' : ''}`);
    console.log(`${headerOf(readFileSync(file, 'utf8'))}\n\noptions:\n${flags.join('\n')}\n  --help, -h`);
    process.exit(0);
  }
  delete values.help;
  return values;
}

/** `parseArgs(config)` for a bench with its own `--help`: a wrong flag is one line (exit 2). */
export function parseArgsOrExit(moduleUrl, config) {
  try {
    return parseArgs(config);
  } catch (err) {
    console.error(`${basename(fileURLToPath(moduleUrl))}: ${err.message} (--help lists the options)`);
    process.exit(2);
  }
}

/** A module of the built code (`dist/<path>`), or one line and exit 1 when it is missing or fails to load. */
export async function importDist(moduleUrl, path) {
  try {
    return await import(new URL(`../dist/${path}`, import.meta.url).href);
  } catch (err) {
    console.error(`${basename(fileURLToPath(moduleUrl))}: ${err.code === 'ERR_MODULE_NOT_FOUND' ? 'run npm run build first' : err.message}`);
    process.exit(1);
  }
}
