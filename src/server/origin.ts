import { isIPv4, isIPv6 } from 'node:net';

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

/**
 * Whether `name` (a host name without port or brackets) is loopback: `localhost`, `::1`, or an
 * IPv4 literal in 127.0.0.0/8 written as four plain decimal numbers. Parsed exactly, never by
 * prefix: `127.0.0.1.evil.example` and `127.evil` are DNS names an attacker can point anywhere,
 * and the URL parser's shorthand forms (`0x7f.1`, `2130706433`) are refused too.
 */
function isLoopbackName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'localhost' || lower === '::1' || (isIPv4(lower) && lower.startsWith('127.'));
}

/** Whether `host` (the address we bind) is a loopback address. */
export function isLoopback(host: string): boolean {
  return isLoopbackName(host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);
}

/**
 * The name in a `Host` header (`name`, `name:port`, `[v6]`, `[v6]:port`, or a bare `::1`), or
 * undefined when the header has any other shape.
 */
export function hostHeaderName(header: string): string | undefined {
  let name: string;
  let port: string | undefined;
  if (header.startsWith('[')) {
    const end = header.indexOf(']');
    if (end < 0) return undefined;
    name = header.slice(1, end);
    const rest = header.slice(end + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return undefined;
      port = rest.slice(1);
    }
    if (!isIPv6(name)) return undefined;
  } else if (header.indexOf(':') !== header.lastIndexOf(':')) {
    name = header; // a bare IPv6 literal (not valid HTTP, but unambiguous)
    if (!isIPv6(name)) return undefined;
  } else {
    const colon = header.indexOf(':');
    name = colon < 0 ? header : header.slice(0, colon);
    port = colon < 0 ? undefined : header.slice(colon + 1);
    if (!/^[a-z0-9.-]+$/i.test(name)) return undefined;
  }
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return undefined;
  return name.toLowerCase();
}

/**
 * DNS rebinding guard for a server bound to loopback: a page on evil.example whose name now
 * resolves to 127.0.0.1 sends `Host: evil.example`, and would otherwise count as same-origin.
 * Accept only exact loopback names (and the hosts of `--allow-origin` origins) in `Host`;
 * `--allow-origin '*'` turns the check off.
 */
export function isHostAllowed(hostHeader: string | undefined, boundHost: string, allowed: readonly string[]): boolean {
  if (!isLoopback(boundHost)) return true; // served to a network on purpose
  if (hostHeader === undefined) return true; // HTTP/1.0 clients, raw tools
  if (allowed.includes('*')) return true;
  const name = hostHeaderName(hostHeader);
  if (name === undefined) return false;
  if (isLoopbackName(name)) return true;
  return allowed.some((origin) => {
    try {
      return new URL(origin).hostname.toLowerCase() === name;
    } catch {
      return false;
    }
  });
}
