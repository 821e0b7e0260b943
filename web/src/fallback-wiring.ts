/**
 * The HTTP fallback's page glue: an HttpPoller whose health, states, progress and frames land
 * where the socket's records would (the poller decides nothing about when it runs; onState does).
 */
import { SCREEN_HEIGHT, SCREEN_WIDTH } from '../../src/protocol/constants.js';
import type { FrameFormat } from '../../src/protocol/messages.js';
import type { EnvFocus } from './envs.js';
import { HttpPoller, type ResponseLike } from './http-poller.js';
import type { StatePanel } from './state-panel.js';
import type { ViewerState } from './viewer-state.js';

export interface FallbackParts {
  envs: EnvFocus;
  panel: StatePanel;
  view: ViewerState;
  titleEl: HTMLElement;
  setEnvCount: (count: unknown) => void;
  renderStatus: () => void;
  showProgress: (r: Record<string, unknown>) => void;
  showFrame: (env: number, data: Uint8Array, width: number, height: number, bytes: number, format: FrameFormat) => void;
}

/** The poller the page falls back on; not started. */
export function createPoller({ envs, panel, view, titleEl, setEnvCount, renderStatus, showProgress, showFrame }: FallbackParts): HttpPoller {
  return new HttpPoller({
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
}
