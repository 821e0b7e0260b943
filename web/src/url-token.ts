/**
 * The control token in the page URL (`#token=…`, never sent to the server with the request):
 * read once, then removed from the address bar and this history entry, so it is not shared,
 * bookmarked or shown with the URL. The viewer keeps it in memory for reconnects.
 */
export function takeToken(loc: Pick<Location, 'hash' | 'pathname' | 'search'>, hist: Pick<History, 'replaceState' | 'state'>): string | undefined {
  const params = new URLSearchParams(loc.hash.slice(1));
  const value = params.get('token') ?? undefined;
  if (value !== undefined) {
    params.delete('token');
    const rest = params.toString();
    hist.replaceState(hist.state, '', loc.pathname + loc.search + (rest ? `#${rest}` : ''));
  }
  return value;
}
