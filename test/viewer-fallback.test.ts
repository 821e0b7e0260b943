import { describe, expect, it } from 'vitest';
import { Backoff } from '../web/src/backoff.js';
import type { ConnState } from '../web/src/connection.js';
import { FallbackDecider } from '../web/src/fallback.js';
import { HttpPoller, type FetchLike, type Health, type ResponseLike } from '../web/src/http-poller.js';
import { statusLine } from '../web/src/status.js';

/** Runs a list of connection transitions through the decider; returns `active` after each. */
function feed(d: FallbackDecider, states: ConnState[]): boolean[] {
  let from: ConnState = 'idle';
  return states.map((to) => {
    const active = d.observe(from, to);
    from = to;
    return active;
  });
}

describe('FallbackDecider', () => {
  it('falls back after three attempts in a row that fail before opening', () => {
    const d = new FallbackDecider();
    const out = feed(d, ['connecting', 'reconnecting', 'connecting', 'reconnecting', 'connecting', 'reconnecting']);
    expect(out).toEqual([false, false, false, false, false, true]);
    expect(d.failures).toBe(3);
  });

  it('a socket that opens resets the count and ends the fallback', () => {
    const d = new FallbackDecider();
    feed(d, ['connecting', 'reconnecting', 'connecting', 'reconnecting', 'connecting', 'reconnecting', 'connecting']);
    expect(d.active).toBe(true);
    expect(d.observe('connecting', 'live')).toBe(false);
    expect(d.failures).toBe(0);
  });

  it('a live connection that later drops does not count as a failed attempt', () => {
    const d = new FallbackDecider();
    expect(feed(d, ['connecting', 'live', 'reconnecting', 'connecting', 'live', 'reconnecting'])).toEqual([false, false, false, false, false, false]);
  });

  it('giving up (gone) counts as a failure too', () => {
    const d = new FallbackDecider(1);
    expect(d.observe('connecting', 'gone')).toBe(true);
  });

  it('falls back at once without WebSocket, and back to the socket when one opens', () => {
    const d = new FallbackDecider();
    d.markUnavailable();
    expect(d.active).toBe(true);
    expect(d.observe('connecting', 'live')).toBe(false);
  });
});

describe('status line', () => {
  const base = { retryAt: 0, pollRetryAt: 0, now: 0 };
  it('says in words what the connection does', () => {
    expect(statusLine({ ...base, conn: 'live', poll: 'off' })).toEqual({ state: 'live', text: 'Live' });
    expect(statusLine({ ...base, conn: 'reconnecting', poll: 'off', retryAt: 2500 }).text).toBe('Reconnecting in 3 s');
    expect(statusLine({ ...base, conn: 'reconnecting', poll: 'ok' })).toEqual({ state: 'fallback', text: 'HTTP fallback (polling)' });
    expect(statusLine({ ...base, conn: 'connecting', poll: 'starting' }).text).toBe('HTTP fallback: connecting…');
    expect(statusLine({ ...base, conn: 'gone', poll: 'down', pollRetryAt: 4000, now: 1000 }).text).toBe('HTTP fallback: server unreachable, retry in 3 s');
  });
});

/** A fake HTTP API: a map from path to a response maker, and a log of the paths asked for. */
function fakeApi(routes: Record<string, () => ResponseLike | Error>) {
  const asked: string[] = [];
  const fetch: FetchLike = async (url) => {
    const u = new URL(url);
    const path = u.pathname.slice(1) + u.search;
    asked.push(path);
    const make = routes[path];
    if (!make) return res(404, {});
    const r = make();
    if (r instanceof Error) throw r;
    return r;
  };
  return { fetch, asked };
}

function res(status: number, body: unknown, headers: Record<string, string> = {}): ResponseLike {
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: { get: (n: string) => headers[n.toLowerCase()] ?? null },
    json: async () => body,
    arrayBuffer: async () => (body instanceof Uint8Array ? body.slice().buffer : new ArrayBuffer(0)),
  };
}

/** Manual timers: run the next due one, and let its promises settle. */
function manualTimers() {
  let now = 0;
  const queue: Array<{ at: number; fn: () => void }> = [];
  return {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => {
      const t = { at: now + ms, fn };
      queue.push(t);
      return t;
    },
    clearTimer: (h: unknown) => {
      const i = queue.indexOf(h as (typeof queue)[number]);
      if (i >= 0) queue.splice(i, 1);
    },
    async step(): Promise<number> {
      queue.sort((a, b) => a.at - b.at);
      const t = queue.shift();
      if (!t) return -1;
      now = Math.max(now, t.at);
      t.fn();
      for (let i = 0; i < 20; i++) await Promise.resolve();
      return now;
    },
    get pending() {
      return queue.length;
    },
  };
}

describe('HttpPoller', () => {
  const jpeg = (n: number) => new Uint8Array([0xff, 0xd8, n, 0xff, 0xd9]);

  function setup(routes: Record<string, () => ResponseLike | Error>, focused = () => 0) {
    const api = fakeApi(routes);
    const timers = manualTimers();
    const events: string[] = [];
    const frames: Array<[number, number, number | undefined, string]> = [];
    const poller = new HttpPoller({
      base: 'http://host/view/',
      fetch: api.fetch,
      focused,
      backoff: new Backoff({ random: () => 1 }),
      ...timers,
      onHealth: (h: Health | undefined, retry) => events.push(h ? `health envs=${String(h.envs)}` : `down retry=${retry}`),
      onStates: (s) => events.push(`states ${Object.keys(s).join(',')}`),
      onFrame: (env, bytes, seq, format) => frames.push([env, bytes[2]!, seq, format]),
    });
    return { poller, timers, events, frames, asked: api.asked };
  }

  it('polls health, state and the focused env’s newest frame, relative to the page URL', async () => {
    let seq = 1;
    const { poller, timers, events, frames, asked } = setup({
      'view/api/health': () => res(200, { ok: true, envs: 1 }),
      'view/api/state': () => res(200, { '0': { seq, frame: seq * 6, ts: 1, state: { x: seq } } }),
      'view/api/frame.jpg?env=0': () => res(200, jpeg(seq), { 'x-gbstream-seq': String(seq) }),
    });
    poller.start();
    await timers.step();
    expect(asked).toEqual(['view/api/health', 'view/api/state', 'view/api/frame.jpg?env=0']);
    expect(events).toEqual(['health envs=1', 'states 0']);
    expect(frames).toEqual([[0, 1, 1, 'jpeg']]);
    expect(await timers.step()).toBe(200); // ≈5 polls/s

    // The same seq again: state is read, the frame is not fetched again.
    asked.length = 0;
    await timers.step();
    expect(asked).toEqual(['view/api/state']);
    seq = 2;
    await timers.step();
    expect(frames.at(-1)).toEqual([0, 2, 2, 'jpeg']);
    poller.stop();
    expect(timers.pending).toBe(0);
  });

  it('polls api/frame.png when the stream is PNG (health says format png), so fallback frames stay lossless', async () => {
    const png = new Uint8Array([0x89, 0x50, 7, 0x47]);
    const formats: string[] = [];
    const api = fakeApi({
      'api/health': () => res(200, { ok: true, envs: 1, format: 'png' }),
      'api/state': () => res(200, { '0': { seq: 1, frame: 6, ts: 1, state: {} } }),
      'api/frame.png?env=0': () => res(200, png, { 'x-gbstream-seq': '1' }),
    });
    const timers = manualTimers();
    const poller = new HttpPoller({
      base: 'http://host/',
      fetch: api.fetch,
      focused: () => 0,
      ...timers,
      onHealth: () => undefined,
      onStates: () => undefined,
      onFrame: (_env, bytes, _seq, format) => formats.push(`${format}:${bytes[2]}`),
    });
    poller.start();
    await timers.step();
    expect(api.asked).toEqual(['api/health', 'api/state', 'api/frame.png?env=0']);
    expect(formats).toEqual(['png:7']);
    poller.stop();
  });

  it('reads the latest training numbers with each health check, passing on only new ones', async () => {
    let progress: ResponseLike = res(204, undefined);
    const api = fakeApi({
      'api/health': () => res(200, { ok: true, envs: 1 }),
      'api/state': () => res(200, {}),
      'api/progress': () => progress,
    });
    const timers = manualTimers();
    const got: unknown[] = [];
    const poller = new HttpPoller({
      base: 'http://host/',
      fetch: api.fetch,
      focused: () => 0,
      healthEveryMs: 0,
      ...timers,
      onHealth: () => undefined,
      onStates: () => undefined,
      onFrame: () => undefined,
      onProgress: (p) => got.push(p.values),
    });
    poller.start();
    await timers.step();
    expect(api.asked).toContain('api/progress');
    expect(got).toEqual([]);
    progress = res(200, { ts: 5, source: 'http', values: { step: 10 } });
    await timers.step();
    await timers.step(); // same ts again: not news
    expect(got).toEqual([{ step: 10 }]);
    poller.stop();
  });

  it('asks only for frames of envs that have one (no 404s): the focused env every poll, the others in turn', async () => {
    const { poller, timers, asked } = setup(
      {
        'view/api/health': () => res(200, { ok: true, envs: 4 }),
        'view/api/state': () => res(200, { '0': { state: {} }, '1': { state: {} }, '3': { state: {} } }),
        'view/api/frame.jpg?env=0': () => res(200, jpeg(0)),
        'view/api/frame.jpg?env=1': () => res(200, jpeg(1)),
        'view/api/frame.jpg?env=3': () => res(200, jpeg(3)),
      },
      () => 1,
    );
    poller.start();
    for (let i = 0; i < 4; i++) await timers.step();
    const frames = asked.filter((p) => p.includes('frame.jpg')).map((p) => Number(p.split('=')[1]));
    expect(frames).toEqual([1, 0, 1, 3, 1, 0, 1, 3]);
    expect(asked.some((p) => p.endsWith('env=2'))).toBe(false);
    poller.stop();
  });

  it('while the server is down, only the health check is tried, on the backoff schedule', async () => {
    let up = true;
    const down = () => new TypeError('Failed to fetch');
    const { poller, timers, events, asked } = setup({
      'view/api/health': () => (up ? res(200, { ok: true, envs: 1 }) : down()),
      'view/api/state': () => (up ? res(200, {}) : down()),
    });
    poller.start();
    await timers.step();
    expect(poller.healthy).toBe(true);
    up = false;
    await timers.step(); // state fails
    expect(poller.healthy).toBe(false);
    expect(events.at(-1)).toBe('down retry=1000');
    asked.length = 0;
    const times = [];
    for (let i = 0; i < 3; i++) times.push(await timers.step());
    expect(asked).toEqual(['view/api/health', 'view/api/health', 'view/api/health']);
    expect(events.slice(-3)).toEqual(['down retry=2000', 'down retry=4000', 'down retry=8000']);
    up = true;
    await timers.step();
    expect(poller.healthy).toBe(true);
    expect(events.at(-2)).toBe('health envs=1');
    expect(poller.failures).toBe(4);
    poller.stop();
  });

  it('a non-2xx health answer counts as down', async () => {
    const { poller, timers, events, asked } = setup({ 'view/api/health': () => res(503, {}) });
    poller.start();
    await timers.step();
    expect(events).toEqual(['down retry=1000']);
    expect(asked).toEqual(['view/api/health']);
    poller.stop();
  });

  it('stop() drops answers still in flight and schedules nothing more', async () => {
    let release: (r: ResponseLike) => void = () => undefined;
    const fetch: FetchLike = (url) =>
      url.endsWith('health') ? Promise.resolve(res(200, { envs: 1 })) : new Promise<ResponseLike>((r) => (release = r));
    const timers = manualTimers();
    const seen: string[] = [];
    const p = new HttpPoller({
      base: 'http://h/',
      fetch,
      focused: () => 0,
      ...timers,
      onHealth: (h) => seen.push(h ? 'up' : 'down'),
      onStates: () => seen.push('states'),
      onFrame: () => seen.push('frame'),
    });
    p.start();
    await timers.step(); // health answered, state hangs
    expect(seen).toEqual(['up']);
    p.stop();
    release(res(200, { '0': { seq: 1, state: {} } }));
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(seen).toEqual(['up']);
    expect(timers.pending).toBe(0);
  });
});

describe('refusals', () => {
  it('says an env is driven by an agent, not that the server failed', async () => {
    const { refusalText } = await import('../web/src/status.js');
    expect(refusalText('GBS_ERR_ENV_BUSY', 'env 3 is driven by an agent (client 7); input and commands are refused until it releases the env')).toBe(
      'Env 3 is driven by an agent: it takes input and commands from that agent only until it lets go.',
    );
    expect(refusalText('GBS_ERR_RATE_LIMITED', 'too fast')).toBe('Server refused: too fast (GBS_ERR_RATE_LIMITED)');
  });
});
