/**
 * The viewer page: wires connection → renderers (focus view and env grid), state panel, stats,
 * training panel and input, and the HTTP fallback when WebSocket cannot be used. The viewer's
 * composition root: it builds the parts and dispatches records; the focus/grid, map, fallback,
 * stats and toolbar glue (the *-wiring, stats-meters, toolbar, screen-fit modules) and the logic
 * live in the small modules beside this one.
 */
import type { Button } from '../../src/protocol/messages.js';
import { EventCode } from '../../src/protocol/constants.js';
import { sampleFrom, ClockOffset } from './clock.js';
import { Connection, type ConnState, type SocketLike } from './connection.js';
import { deadSocket } from './dead-socket.js';
import { el } from './dom.js';
import { takeToken } from './url-token.js';
import { EnvFocus } from './envs.js';
import { EnvGrid } from './env-grid.js';
import { EnvCatalog, type EnvEntry } from './env-catalog.js';
import { FocusWiring } from './focus-wiring.js';
import { GridControls } from './grid-controls.js';
import { SubscriptionPlanner } from './subscription.js';
import { FallbackDecider } from './fallback.js';
import { createPoller } from './fallback-wiring.js';
import { InputController } from './input.js';
import { wireMap } from './map-wiring.js';
import { MapView } from './map-view.js';
import { ProgressTracker } from './progress.js';
import { FrameRenderer } from './renderer.js';
import { fitScreen } from './screen-fit.js';
import { StatePanel } from './state-panel.js';
import { startStatsMeters } from './stats-meters.js';
import { refusalText, statusLine } from './status.js';
import { parseReplayInfo, ReplayControls } from './replay-controls.js';
import { wireToolbar } from './toolbar.js';
import { capsOf, parsePlayback, playbackLatency, replayStatus, siteName, type PlaybackClock } from './capabilities.js';
import { TrainingPanel } from './training-panel.js';
import { ViewerState } from './viewer-state.js';

const PING_EVERY_MS = 2000;
/** In fallback, a WebSocket that gave up (`gone`) is tried again this often. */
const FALLBACK_WS_RETRY_MS = 30_000;

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
/** The last hello (capabilities, site), and a replay's clock from the last `stats`. */
let hello: Record<string, unknown> | undefined;
let playback: PlaybackClock | undefined;
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

const poller = createPoller({
  envs,
  panel,
  view,
  titleEl,
  setEnvCount: (count) => setEnvCount(count),
  renderStatus,
  showProgress,
  showFrame: (...args) => showFrame(...args),
});

function onRecord(r: Record<string, unknown> & { type: string }, bytes: number): void {
  switch (r.type) {
    case 'hello': {
      hello = r;
      playback = undefined;
      titleEl.textContent = siteName(r);
      titleEl.title = typeof r['core'] === 'string' ? `emulator core: ${r['core']}` : '';
      document.title = `${siteName(r)} — gbstream`;
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
        const ts = r['ts'] as number;
        if (!view.isReplay) view.latency.add(clock.latency(ts, Date.now()));
        else if (playback) view.latency.add(playbackLatency(ts, playback, playback.at + clock.latency(playback.at, Date.now())));
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
      playback = parsePlayback(r);
      if (playback) replay.setSpeed(playback.speed, playback.paused);
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
      showMessage(refusalText(String(r['code']), String(r['message'])), 'error');
      break;
    case 'states':
      focus.onStates(r['envs']);
      break;
    case 'event':
      if (r['code'] === EventCode.EnvsChanged && Array.isArray(r['envs'])) {
        catalog.setList(r['envs'] as EnvEntry[], typeof r['count'] === 'number' ? r['count'] : (r['envs'] as unknown[]).length);
        setEnvCount(r['count']);
        applyCaps();
        break;
      }
      showMessage(`${String(r['level'])}: ${String(r['message'])}`, r['level'] === 'error' ? 'error' : 'info');
      break;
    default:
      break; // newer servers may send types this page does not know
  }
}

const focus = new FocusWiring({
  envs,
  grid,
  catalog,
  gridControls,
  subscription,
  renderer,
  panel,
  input,
  view,
  canvas,
  focusLabel,
  gridCount: el('grid-count'),
  fit: () => fit(),
});
const showFrame = focus.showFrame.bind(focus);
const setEnvCount = focus.setEnvCount.bind(focus);
const focusEnv = focus.focusEnv.bind(focus);
focus.onFocused = () => {
  applyCaps();
  mapView.focusMoved();
};
const showPositions = wireMap({ mapView, stage, focusEnv, focusedEnv: () => envs.focused, polling: () => poller.running && view.poll === 'ok' });

function ping(): void {
  const id = view.nextPing(Date.now());
  conn.send({ type: 'ping', id, t: Date.now() });
}

function setControl(allowed: boolean, why?: string): void {
  input.enabled = allowed;
  controlsEl.dataset['enabled'] = String(allowed);
  el('control-state').textContent = allowed ? 'control: yes' : why ? `view only (${why})` : 'view only';
  applyCaps();
}

/** The focused env's capabilities decide the controls: d-pad and keys, "Emulator speed". */
function applyCaps(): void {
  const caps = capsOf(hello, catalog.entry(envs.focused));
  input.available = caps.input;
  if (!caps.input) input.releaseAll();
  controlsEl.hidden = !caps.input;
  el('control-state').hidden = !caps.input;
  el('stat-speed').hidden = el('stat-speed-label').hidden = !caps.emulatorSpeed;
}

/** The status line, in words (the dot's colour only repeats them). */
function renderStatus(): void {
  const line = statusLine({ conn: view.conn, poll: poller.running ? view.poll : 'off', retryAt: view.retryAt, pollRetryAt: view.pollRetryAt, now: Date.now() });
  const state = line.state;
  const text = view.isReplay && line.text === 'Live' ? replayStatus(replay.positionMs, replay.durationMs) : line.text;
  statusEl.dataset['state'] = state;
  if (statusText.textContent !== text) statusText.textContent = text;
  const fresh = view.conn === 'live' || (poller.running && view.poll === 'ok');
  stage.classList.toggle('stale', !fresh && renderer.hasFrame);
  el('retry').hidden = view.conn !== 'gone';
}

function onState(state: ConnState, detail: { retryInMs?: number; code?: number }): void {
  const from = view.conn;
  view.conn = state;
  if (state === 'live') queueMicrotask(() => focus.planSubscription());
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

function fit(): void {
  fitScreen(canvas, stage, envs.multi);
}

renderer.onDrawn = () => {
  if (!placeholder.hidden) {
    placeholder.hidden = true;
    fit();
  }
};

startStatsMeters(view, clock, () => envs.focused);

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

wireToolbar(stage, canvas, (text) => showMessage(text, 'error'));

el('retry').addEventListener('click', () => conn.retry());

fit();
conn.start();