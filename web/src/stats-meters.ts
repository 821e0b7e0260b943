/** The stats bar under the screen (fps, dropped, latency, bandwidth, speed, sparklines), redrawn once a second. */
import type { ClockOffset } from './clock.js';
import { el } from './dom.js';
import { statsForEnv } from './envs.js';
import { drawSparkline } from './sparkline.js';
import type { ViewerState } from './viewer-state.js';

function formatBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB/s` : `${(n / 1e3).toFixed(1)} kB/s`;
}

/** Starts redrawing the stats bar for the env `focused()` returns. */
export function startStatsMeters(view: ViewerState, clock: ClockOffset, focused: () => number): void {
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
    const speed = view.serverStats && statsForEnv(view.serverStats.record, focused())?.speed;
    el('stat-speed').textContent = speed === undefined ? '–' : `${speed.toFixed(2)}×`;
    drawSparkline(el<HTMLCanvasElement>('spark-fps'), view.fpsSeries, '#4caf50');
    drawSparkline(el<HTMLCanvasElement>('spark-latency'), view.latencySeries, '#ff9800');
  }, 1000);
}
