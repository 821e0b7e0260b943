// Module hooks for a child node process: appends the URL of every ESM module resolved to a file,
// so a test can see what an import loads (CommonJS requires show in require.cache instead).
import { appendFileSync } from 'node:fs';

let logFile;

export function initialize(data) {
  logFile = data.logFile;
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(logFile, `${result.url}\n`);
  return result;
}
