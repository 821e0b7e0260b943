/**
 * Serves the files of `web/` read-only. Only GET/HEAD, only files under the root (no `..`, no
 * symlinks out), fixed content types. No request path ever reaches anything else on disk.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

export function createStaticHandler(root: string) {
  const base = resolve(root);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad path');
      return;
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const type = TYPES[extname(pathname)];
    const file = resolve(join(base, pathname));
    if (!type || pathname.includes('\0') || (file !== base && !file.startsWith(base + sep))) {
      res.writeHead(404).end('not found');
      return;
    }
    try {
      const real = await realpath(file);
      const realBase = await realpath(base);
      if (!real.startsWith(realBase + sep)) throw new Error('outside root');
      const st = await stat(real);
      if (!st.isFile()) throw new Error('not a file');
      res.writeHead(200, {
        'content-type': type,
        'content-length': st.size,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      createReadStream(real).on('error', () => res.destroy()).pipe(res);
    } catch {
      res.writeHead(404).end('not found');
    }
  };
}
