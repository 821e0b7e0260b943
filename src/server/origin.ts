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

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** Whether `host` (the address we bind) is a loopback address. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || host.startsWith('127.');
}

/**
 * DNS rebinding guard for a server bound to loopback: a page on evil.example whose name now
 * resolves to 127.0.0.1 sends `Host: evil.example`, and would otherwise count as same-origin.
 * Accept only loopback names (and the hosts of `--allow-origin` origins) in `Host`.
 */
export function isHostAllowed(hostHeader: string | undefined, boundHost: string, allowed: readonly string[]): boolean {
  if (!isLoopback(boundHost)) return true; // served to a network on purpose
  if (hostHeader === undefined) return true; // HTTP/1.0 clients, raw tools
  if (allowed.includes('*')) return true;
  let name: string;
  try {
    name = new URL(`http://${hostHeader}`).hostname;
  } catch {
    return false;
  }
  if (LOOPBACK_NAMES.has(name) || name.startsWith('127.')) return true;
  return allowed.some((origin) => {
    try {
      return new URL(origin).hostname === name;
    } catch {
      return false;
    }
  });
}
