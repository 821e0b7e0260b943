import { describe, expect, it } from 'vitest';
import { takeToken } from '../web/src/url-token.js';

describe('takeToken (issue 12 item 12)', () => {
  const history = () => {
    const calls: string[] = [];
    return { calls, state: null, replaceState: (_s: unknown, _t: string, url?: string | URL | null) => void calls.push(String(url)) };
  };
  it('reads #token= and removes only it from the URL', () => {
    const h = history();
    expect(takeToken({ hash: '#env=2&token=abcdefgh', pathname: '/', search: '?x=1' }, h)).toBe('abcdefgh');
    expect(h.calls).toEqual(['/?x=1#env=2']);
  });
  it('leaves a URL without a token alone', () => {
    const h = history();
    expect(takeToken({ hash: '#env=2', pathname: '/', search: '' }, h)).toBeUndefined();
    expect(h.calls).toEqual([]);
  });
});
