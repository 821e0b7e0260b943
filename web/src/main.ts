/**
 * The viewer page: wires connection → renderer, state panel, stats and input. DOM glue only;
 * the logic lives in the small modules beside this one.
 */
import type { Button } from '../../src/protocol/messages.js';
import { sampleFrom, ClockOffset } from './clock.js';
import { Connection, type ConnState, type SocketLike } from './connection.js';
import { InputController } from './input.js';
import { FrameRenderer, integerScale } from './renderer.js';
import { drawSparkline } from './sparkline.js';
import { StatePanel } from './state-panel.js';
import { parseReplayInfo, ReplayControls } from './replay-controls.js';
import { RateWindow, RecentMean, Series } from './stats-window.js';

const PING_EVERY_MS = 2000;

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

const renderer = new FrameRenderer(canvas);
const panel = new StatePanel(el('state'));
const clock = new ClockOffset();
const fpsWindow = new RateWindow(1000);
const bytesWindow = new RateWindow(1000);
const latency = new RecentMean(10);
const fpsSeries = new Series(60);
const latencySeries = new Series(60);
const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? undefined;

let serverStats: { dropped: number; speed: number; fps: number } | undefined;
let pingId = 0;
const pings = new Map<number, number>();
let countdown = 0;
let retryAt = 0;

const wsUrl = new URL('ws', location.href);
wsUrl.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
wsUrl.hash = '';

const input = new InputController((buttons: Button[], frames: number) => {
  conn.send({ type: 'input', buttons, frames });
});
input.attachKeyboard(window);
input.attachButtons(controlsEl);

let commandId = 1000;
const replay = new ReplayControls(el('replay'), (name, args) => {
  conn.send({ type: 'command', id: ++commandId, name, args });
});

const conn = new Connection({
  url: wsUrl.href,
  createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
  onRecord,
  onState,
  onProtocolError: (msg) => showMessage(`Bad data from server: ${msg}`, 'error'),
});

function onRecord(r: Record<string, unknown> & { type: string }, bytes: number): void {
  const now = performance.now();
  switch (r.type) {
    case 'hello': {
      const rom = r['rom'] as { title?: string } | undefined;
      titleEl.textContent = rom?.title || 'untitled ROM';
      document.title = `${rom?.title ?? 'gbstream'} — gbstream`;
      panel.setFields((r['fields'] as string[]) ?? []);
      setControl(r['control'] === true);
      replay.setInfo(parseReplayInfo(r['replay']));
      if (token) conn.send({ type: 'auth', id: 1, token });
      ping();
      break;
    }
    case 'frame': {
      fpsWindow.add(now);
      bytesWindow.add(now, bytes);
      latency.add(clock.latency(r['ts'] as number, Date.now()));
      panel.update((r['state'] as Record<string, unknown>) ?? {});
      renderer.push(r['data'] as Uint8Array, r['width'] as number, r['height'] as number);
      replay.frame(r['ts'] as number);
      break;
    }
    case 'stats':
      serverStats = { dropped: r['dropped'] as number, speed: r['speed'] as number, fps: r['fps'] as number };
      break;
    case 'pong': {
      const sent = pings.get(r['id'] as number);
      pings.delete(r['id'] as number);
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
    case 'event':
      showMessage(`${String(r['level'])}: ${String(r['message'])}`, r['level'] === 'error' ? 'error' : 'info');
      break;
    default:
      break; // newer servers may send types this page does not know
  }
}

function ping(): void {
  const id = ++pingId;
  pings.set(id, Date.now());
  if (pings.size > 20) pings.delete(pings.keys().next().value as number);
  conn.send({ type: 'ping', id, t: Date.now() });
}

function setControl(allowed: boolean): void {
  input.enabled = allowed;
  controlsEl.dataset['enabled'] = String(allowed);
  el('control-state').textContent = allowed ? 'control: yes' : 'view only';
}

const STATUS_TEXT: Record<ConnState, string> = {
  idle: 'Idle',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting',
  gone: 'Server gone',
  closed: 'Closed',
};

function onState(state: ConnState, detail: { retryInMs?: number; code?: number }): void {
  statusEl.dataset['state'] = state;
  stage.classList.toggle('stale', state !== 'live' && renderer.hasFrame);
  clearInterval(countdown);
  if (state === 'reconnecting') {
    retryAt = Date.now() + (detail.retryInMs ?? 0);
    const tick = () => {
      statusText.textContent = `Reconnecting in ${Math.max(0, Math.ceil((retryAt - Date.now()) / 1000))} s`;
    };
    tick();
    countdown = window.setInterval(tick, 250);
  } else {
    statusText.textContent = STATUS_TEXT[state];
  }
  el('retry').hidden = state !== 'gone';
  if (state !== 'live') input.releaseAll();
}

function showMessage(text: string, kind: 'info' | 'error'): void {
  messageEl.textContent = text;
  messageEl.dataset['kind'] = kind;
  messageEl.hidden = false;
}

function fit(): void {
  const box = el('stage-box').getBoundingClientRect();
  const scale = integerScale(canvas.width, canvas.height, box.width, Math.max(box.height, window.innerHeight * 0.6));
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
  const fps = fpsWindow.rate(now);
  const lat = latency.value;
  fpsSeries.push(fps);
  latencySeries.push(lat ?? 0);
  el('stat-fps').textContent = fps.toFixed(1);
  el('stat-dropped').textContent = serverStats ? String(serverStats.dropped) : '–';
  el('stat-latency').textContent = lat === undefined ? '–' : `${Math.max(0, lat).toFixed(0)} ms${clock.known ? '' : ' (uncorrected)'}`;
  el('stat-bytes').textContent = formatBytes(bytesWindow.rate(now));
  el('stat-speed').textContent = serverStats ? `${serverStats.speed.toFixed(2)}×` : '–';
  drawSparkline(el<HTMLCanvasElement>('spark-fps'), fpsSeries, '#4caf50');
  drawSparkline(el<HTMLCanvasElement>('spark-latency'), latencySeries, '#ff9800');
}, 1000);

setInterval(() => {
  if (conn.state === 'live') ping();
}, PING_EVERY_MS);

document.addEventListener('visibilitychange', () => renderer.setPaused(document.hidden));
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
