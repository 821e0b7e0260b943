/**
 * Origin check for browser WebSocket connections: a page on another site must not be able to
 * open a socket to a local gbstream (cross-site WebSocket hijacking). Non-browser clients send no
 * Origin and are allowed; browsers are allowed from the same origin and from `--allow-origin`.
 */
export function isOriginAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return host !== undefined && url.host === host;
}
