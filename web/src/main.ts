/**
 * The viewer page: wires connection → renderers (focus view and env grid), state panel, stats,
 * training panel and input, and the HTTP fallback when WebSocket cannot be used. DOM glue only;
 * the logic lives in the small modules beside this one.
 */
import type { Button, FrameFormat } from '../../src/protocol/messages.js';
import { EventCode, SCREEN_HEIGHT, SCREEN_WIDTH } from '../../src/protocol/constants.js';
import { sampleFrom, ClockOffset } from './clock.js';
import { Connection, type ConnState, type SocketLike } from './connection.js';
import { takeToken } from './url-token.js';
import { EnvFocus, statsForEnv } from './envs.js';
import { EnvGrid } from './env-grid.js';
import { EnvCatalog, type EnvEntry } from './env-catalog.js';
import { GridControls } from './grid-controls.js';
import { SubscriptionPlanner } from './subscription.js';
import { FallbackDecider } from './fallback.js';
import { HttpPoller, type ResponseLike } from './http-poller.js';
import { InputController } from './input.js';
import { fullFromApi } from './map-model.js';
import { MapView, type Region } from './map-view.js';
import { ProgressTracker } from './progress.js';
import { FrameRenderer, integerScale } from './renderer.js';
import { drawSparkline } from './sparkline.js';
import { StatePanel } from './state-panel.js';
import { statusLine } from './status.js';
import { parseReplayInfo, ReplayControls } from './replay-controls.js';
import { TrainingPanel } from './training-panel.js';
import { ViewerState } from './viewer-state.js';

const PING_EVERY_MS = 2000;
/** In fallback, a WebSocket that gave up (`gone`) is tried again this often. */
const FALLBACK_WS_RETRY_MS = 30_000;

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node as T;
}

const canvas = el<HTMLCanvasElement>('screen');
const stage = el('stage');
const statusEl = el('status');
const statusText = el('status-text');
const messageEl = el('message');
const titleEl = el('rom-title');
const controlsEl = el('controls');
const placeholder = el('placeholder');
const focusLabel = el('focus-env');

const renderer = new FrameRenderer(canvas);
const panel = new StatePanel(el('state'));
const envs = new EnvFocus();
const grid = new EnvGrid(el('envs'), el('env-grid'));
const catalog = new EnvCatalog();
const gridControls = new GridControls(el('grid-tools'));
const subscription = new SubscriptionPlanner((message) => conn.send(message));
/** State fields named by hello; when none (a hub), the focused env's own state keys are shown. */
let helloFields: string[] = [];
const progress = new ProgressTracker();
const mapView = new MapView(el<HTMLCanvasElement>('map-canvas'), el('map-tip'), el('map-count'));
const training = new TrainingPanel(el('training'));
const fallback = new FallbackDecider();
const clock = new ClockOffset();
const view = new ViewerState();
const token = takeToken(location, history);

const wsUrl = new URL('ws', location.href);
wsUrl.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
wsUrl.hash = '';

const input = new InputController((buttons: Button[], frames: number) => {
  conn.send({ type: 'input', env: envs.focused, buttons, frames });
});
input.attachKeyboard(window);
input.attachButtons(controlsEl);

const replay = new ReplayControls(el('replay'), (name, args) => {
  conn.send({ type: 'command', id: view.nextCommandId(), name, args });
});

/** A socket that fails at once, for browsers (or tests) without WebSocket: the fallback takes over. */
function deadSocket(): SocketLike {
  const socket: SocketLike = {
    binaryType: 'arraybuffer',
    readyState: 3,
    onopen: null,
    onclose: null,
    onerror: null,
    onmessage: null,
    send: () => undefined,
    close: () => undefined,
  };
  setTimeout(() => socket.onclose?.({ code: 1006, reason: 'WebSocket unavailable' }), 0);
  return socket;
}

const conn = new Connection({
  url: wsUrl.href,
  createSocket: (url) => {
    if (typeof WebSocket !== 'function') {
      fallback.markUnavailable();
      return deadSocket();
    }
    return new WebSocket(url) as unknown as SocketLike;
  },
  onRecord,
  onState,
  onProtocolError: (msg) => showMessage(`Bad data from server: ${msg}`, 'error'),
});

/** Training numbers from a `progress` record or from `GET api/progress` in fallback. */
function showProgress(r: Record<string, unknown>): void {
  const values = r['values'];
  if (typeof values !== 'object' || values === null) return;
  progress.add(values as Record<string, unknown>, typeof r['ts'] === 'number' ? r['ts'] : Date.now());
  training.render(progress, typeof r['source'] === 'string' ? r['source'] : undefined);
}

const poller = new HttpPoller({
  base: location.href,
  fetch: (url, init) => fetch(url, init) as Promise<ResponseLike>,
  focused: () => envs.focused,
  onProgress: (p) => showProgress(p as unknown as Record<string, unknown>),
  onHealth: (health, retryInMs) => {
    if (!health) {
      view.poll = 'down';
      view.pollRetryAt = Date.now() + (retryInMs ?? 0);
    } else {
      view.poll = 'ok';
      if (typeof health.rom === 'string') titleEl.textContent = health.rom;
      setEnvCount(health.envs);
    }
    renderStatus();
  },
  onStates: (states) => {
    for (const [key, snap] of Object.entries(states)) {
      const env = Number(key);
      if (!snap.state || !envs.has(env)) continue;
      envs.setState(env, snap.state);
      if (env === envs.focused) {
        panel.setFields(Object.keys(snap.state));
        panel.update(snap.state);
      }
    }
  },
  onFrame: (env, image, _seq, format) => showFrame(env, image, SCREEN_WIDTH, SCREEN_HEIGHT, image.byteLength, format),
});

function onRecord(r: Record<string, unknown> & { type: string }, bytes: number): void {
  switch (r.type) {
    case 'hello': {
      const rom = r['rom'] as { title?: string } | undefined;
      titleEl.textContent = rom?.title || 'untitled ROM';
      titleEl.title = typeof r['core'] === 'string' ? `emulator core: ${r['core']}` : '';
      document.title = `${rom?.title ?? 'gbstream'} — gbstream`;
      helloFields = (r['fields'] as string[]) ?? [];
      panel.setFields(helloFields);
      catalog.setList(r['envList'] as EnvEntry[] | undefined, typeof r['envs'] === 'number' ? r['envs'] : 1);
      subscription.reset();
      setEnvCount(r['envs']);
      setControl(r['control'] === true);
      replay.setInfo(parseReplayInfo(r['replay']));
      view.isReplay = r['replay'] !== undefined;
      renderStatus();
      if (token) conn.send({ type: 'auth', id: 1, token });
      ping();
      break;
    }
    case 'frame': {
      const routed = envs.route(r['env']);
      if (!routed) break;
      const state = (r['state'] as Record<string, unknown>) ?? {};
      envs.setState(routed.env, state);
      catalog.setState(routed.env, state);
      if (routed.focused) {
        if (helloFields.length === 0) panel.setFields(Object.keys(state));
        view.latency.add(clock.latency(r['ts'] as number, Date.now()));
        panel.update(state);
        replay.frame(r['ts'] as number);
      }
      showFrame(routed.env, r['data'] as Uint8Array, r['width'] as number, r['height'] as number, bytes, r['format'] === 'png' ? 'png' : 'jpeg');
      break;
    }
    case 'progress':
      showProgress(r);
      break;
    case 'positions':
      showPositions(r);
      break;
    case 'stats': // `dropped` is this viewer's; the emulator speed shown is the focused env's
      view.serverStats = { dropped: r['dropped'] as number, record: r };
      break;
    case 'pong': {
      const sent = view.pong(r['id'] as number);
      if (sent !== undefined) clock.add(sampleFrom(sent, r['serverTs'] as number, Date.now()));
      break;
    }
    case 'ack':
      if (r['of'] === 'command') messageEl.hidden = true;
      if (r['of'] === 'auth') {
        setControl(true);
        showMessage('Control granted.', 'info');
      }
      break;
    case 'error':
      showMessage(`Server refused: ${String(r['message'])} (${String(r['code'])})`, 'error');
      break;
    case 'states':
      onStates(r['envs']);
      break;
    case 'event':
      if (r['code'] === EventCode.EnvsChanged && Array.isArray(r['envs'])) {
        catalog.setList(r['envs'] as EnvEntry[], typeof r['count'] === 'number' ? r['count'] : (r['envs'] as unknown[]).length);
        setEnvCount(r['count']);
        break;
      }
      showMessage(`${String(r['level'])}: ${String(r['message'])}`, r['level'] === 'error' ? 'error' : 'info');
      break;
    default:
      break; // newer servers may send types this page does not know
  }
}

/** One frame of `env`, from the socket or from a poll: into its grid cell, and the big canvas when focused. */
function showFrame(env: number, data: Uint8Array, width: number, height: number, bytes: number, format: FrameFormat = 'jpeg'): void {
  const now = performance.now();
  view.bytes.add(now, bytes);
  view.latestFrame.set(env, { data, width, height, format });
  if (envs.multi) grid.push(env, data, width, height, format);
  if (env !== envs.focused) return;
  view.fps.add(now);
  renderer.push(data, width, height, format);
}

function setEnvCount(count: unknown): void {
  envs.setCount(count);
  if (catalog.size !== envs.count) catalog.setList(undefined, envs.count); // HTTP fallback: a count only
  renderGrid();
  view.keepFramesOf((env) => envs.has(env));
  showFocus();
}

/** The grid in the order, and with the filter, the grid tools say; then what to subscribe to. */
function renderGrid(): void {
  gridControls.setFields(catalog.fields());
  const shown = envs.multi ? catalog.view(gridControls.filter, gridControls.sort) : [];
  grid.show(shown, envs.count, envs.focused);
  el('grid-count').textContent = envs.multi ? `${shown.length} of ${envs.count} shown` : '';
}

/** `states` records: every env's latest state, for sorting, filtering and following. */
function onStates(list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const item of list as Array<{ env?: unknown; state?: unknown }>) {
    if (typeof item.env !== 'number' || typeof item.state !== 'object' || item.state === null) continue;
    catalog.setState(item.env, item.state as Record<string, unknown>);
    if (item.env !== envs.focused) envs.setState(item.env, item.state as Record<string, unknown>);
  }
  const follow = gridControls.follow;
  const best = follow === undefined ? undefined : catalog.best(follow);
  if (best !== undefined && best !== envs.focused) focusEnv(best);
  if (gridControls.sort.kind === 'field' || gridControls.filter.kind === 'field') renderGrid();
  else gridControls.setFields(catalog.fields());
}

/** Many envs: the focused one at full rate, the thumbnails on screen at a low rate, every state. */
function planSubscription(): void {
  if (view.conn !== 'live' || !envs.multi) return;
  subscription.want({ envs: [envs.focused], thumbs: grid.visible().filter((e) => e !== envs.focused), states: true });
}

/** Moves the focus to `env` without reconnecting: big canvas, state panel, stats and input follow. */
function focusEnv(env: number): void {
  if (!envs.focus(env)) return;
  input.releaseAll();
  grid.setFocused(env);
  planSubscription();
  view.resetMeters();
  panel.clear();
  const state = envs.stateOf(env);
  if (state) panel.update(state);
  const frame = view.latestFrame.get(env);
  if (frame) renderer.push(frame.data, frame.width, frame.height, frame.format);
  showFocus();
}

function showFocus(): void {
  focusLabel.hidden = !envs.multi;
  const entry = catalog.entry(envs.focused);
  const name = entry && entry.source === 'published' ? `${entry.label} (env ${envs.focused})` : `env ${envs.focused}`;
  focusLabel.textContent = `Showing ${name} of ${envs.count}`;
  canvas.setAttribute('aria-label', envs.multi ? `Live emulator screen, env ${envs.focused}` : 'Live emulator screen');
  fit();
}

grid.onFocus = focusEnv;
grid.onVisibleChange = planSubscription;
gridControls.onChange = () => {
  renderGrid();
  const follow = gridControls.follow;
  const best = follow === undefined ? undefined : catalog.best(follow);
  if (best !== undefined) focusEnv(best);
};

/** Map: the toggle appears with the first positions; outlines come from the server's layout (live, or a bundled one in a replay). */
let mapLayoutAsked = '';
function showPositions(r: Record<string, unknown>): void {
  mapView.apply(r);
  el('map-toggle').hidden = false;
  const name = mapView.model.layout?.name;
  if (name && name !== mapLayoutAsked) {
    mapLayoutAsked = name;
    fetch(new URL('api/map/layout', location.href))
      .then((res) => (res.ok ? (res.json() as Promise<{ name: string; regions: Region[]; background?: boolean }>) : undefined))
      .then((layout) => {
        if (layout?.name !== name) return;
        mapView.setRegions(layout.regions);
        if (!layout.background) return;
        const picture = new Image();
        picture.onload = () => mapView.setBackground(picture);
        picture.src = new URL('api/map/background', location.href).href;
      })
      .catch(() => undefined);
  }
}
/** Without the socket there are no positions records: the fallback polls GET api/map instead. */
const MAP_POLL_MS = 2000;
setInterval(() => {
  if (!poller.running || view.poll !== 'ok') return;
  fetch(new URL('api/map', location.href))
    .then((res) => (res.ok ? (res.json() as Promise<unknown>) : undefined))
    .then((body) => {
      const full = fullFromApi(body, Date.now());
      if (full && (full['agents'] as unknown[]).length > 0) showPositions(full);
    })
    .catch(() => undefined);
}, MAP_POLL_MS);
mapView.onFocusEnv = (env) => {
  focusEnv(env);
  stage.scrollIntoView({ block: 'nearest' });
};
el('map-toggle').addEventListener('click', () => {
  const on = el('map').hidden;
  el('map').hidden = !on;
  el('map-toggle').setAttribute('aria-pressed', String(on));
  mapView.setVisible(on);
});
el<HTMLInputElement>('map-heat').addEventListener('change', (e) => mapView.setHeatmap((e.target as HTMLInputElement).checked));

function ping(): void {
  const id = view.nextPing(Date.now());
  conn.send({ type: 'ping', id, t: Date.now() });
}

function setControl(allowed: boolean, why?: string): void {
  input.enabled = allowed;
  controlsEl.dataset['enabled'] = String(allowed);
  el('control-state').textContent = allowed ? 'control: yes' : why ? `view only (${why})` : 'view only';
}

/** The status line, in words (the dot's colour only repeats them). */
function renderStatus(): void {
  const line = statusLine({ conn: view.conn, poll: poller.running ? view.poll : 'off', retryAt: view.retryAt, pollRetryAt: view.pollRetryAt, now: Date.now() });
  const state = line.state;
  const text = view.isReplay && line.text === 'Live' ? 'Live — replay of a recording' : line.text;
  statusEl.dataset['state'] = state;
  if (statusText.textContent !== text) statusText.textContent = text;
  const fresh = view.conn === 'live' || (poller.running && view.poll === 'ok');
  stage.classList.toggle('stale', !fresh && renderer.hasFrame);
  el('retry').hidden = view.conn !== 'gone';
}

function onState(state: ConnState, detail: { retryInMs?: number; code?: number }): void {
  const from = view.conn;
  view.conn = state;
  if (state === 'live') queueMicrotask(planSubscription);
  if (state === 'reconnecting') view.retryAt = Date.now() + (detail.retryInMs ?? 0);
  const useHttp = fallback.observe(from, state);
  if (useHttp && !poller.running) {
    view.poll = 'starting';
    view.resetMeters();
    setControl(false, 'HTTP fallback');
    poller.start();
  } else if (!useHttp && poller.running) {
    poller.stop();
    view.poll = 'off';
  }
  clearTimeout(view.fallbackRetryTimer);
  // The WebSocket keeps being tried in the background while the page runs on HTTP.
  if (state === 'gone' && useHttp) view.fallbackRetryTimer = window.setTimeout(() => conn.retry(), FALLBACK_WS_RETRY_MS);
  if (state !== 'live') input.releaseAll();
  renderStatus();
}

function showMessage(text: string, kind: 'info' | 'error'): void {
  messageEl.textContent = text;
  messageEl.dataset['kind'] = kind;
  messageEl.hidden = false;
}

/** Room kept under the focus view for the toolbar, so it stays on screen at 1280×800. */
const TOOLBAR_RESERVE_PX = 64;

function fit(): void {
  let availW: number;
  let availH: number;
  if (document.fullscreenElement === stage) {
    availW = window.innerWidth - 16;
    availH = window.innerHeight - 16;
  } else {
    availW = el('stage-box').getBoundingClientRect().width - 16;
    const top = stage.getBoundingClientRect().top + window.scrollY;
    // With the grid below it, the focus view leaves room for the grid too.
    const rest = window.innerHeight - top - 16 - TOOLBAR_RESERVE_PX;
    availH = envs.multi ? Math.min(rest, window.innerHeight * 0.55) : Math.max(rest, window.innerHeight * 0.4);
  }
  const scale = integerScale(canvas.width, canvas.height, availW, availH);
  canvas.style.width = `${canvas.width * scale}px`;
  canvas.style.height = `${canvas.height * scale}px`;
}

renderer.onDrawn = () => {
  if (!placeholder.hidden) {
    placeholder.hidden = true;
    fit();
  }
};

function formatBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB/s` : `${(n / 1e3).toFixed(1)} kB/s`;
}

setInterval(() => {
  const now = performance.now();
  const fps = view.fps.rate(now);
  const lat = view.latency.value;
  view.fpsSeries.push(fps);
  view.latencySeries.push(lat ?? 0);
  el('stat-fps').textContent = fps.toFixed(1);
  el('stat-dropped').textContent = view.serverStats ? String(view.serverStats.dropped) : '–';
  el('stat-latency').textContent = lat === undefined ? '–' : `${Math.max(0, lat).toFixed(0)} ms${clock.known ? '' : ' (uncorrected)'}`;
  el('stat-bytes').textContent = formatBytes(view.bytes.rate(now));
  const speed = view.serverStats && statsForEnv(view.serverStats.record, envs.focused)?.speed;
  el('stat-speed').textContent = speed === undefined ? '–' : `${speed.toFixed(2)}×`;
  drawSparkline(el<HTMLCanvasElement>('spark-fps'), view.fpsSeries, '#4caf50');
  drawSparkline(el<HTMLCanvasElement>('spark-latency'), view.latencySeries, '#ff9800');
}, 1000);

setInterval(() => {
  if (conn.state === 'live') ping();
}, PING_EVERY_MS);
setInterval(renderStatus, 250); // countdowns

document.addEventListener('visibilitychange', () => {
  renderer.setPaused(document.hidden);
  grid.setPaused(document.hidden);
});
window.addEventListener('resize', fit);
document.addEventListener('fullscreenchange', fit);

el('fullscreen').addEventListener('click', () => {
  if (document.fullscreenElement) void document.exitFullscreen();
  else void stage.requestFullscreen().catch((err: Error) => showMessage(`Fullscreen refused: ${err.message}`, 'error'));
});

el('screenshot').addEventListener('click', () => {
  canvas.toBlob((blob) => {
    if (!blob) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `gbstream-${new Date().toISOString().replace(/[:.]/g, '-')}.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }, 'image/png');
});

el('retry').addEventListener('click', () => conn.retry());

fit();
conn.start();
