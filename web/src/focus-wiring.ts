/**
 * The focus view and the env grid together: which env is focused, the grid's order and filter,
 * what to subscribe to, and where each frame goes. Page glue over EnvFocus, EnvGrid, EnvCatalog,
 * GridControls and SubscriptionPlanner, which hold the logic.
 */
import type { FrameFormat } from '../../src/protocol/messages.js';
import type { EnvCatalog } from './env-catalog.js';
import type { EnvGrid } from './env-grid.js';
import type { EnvFocus } from './envs.js';
import type { GridControls } from './grid-controls.js';
import type { InputController } from './input.js';
import type { FrameRenderer } from './renderer.js';
import type { StatePanel } from './state-panel.js';
import type { SubscriptionPlanner } from './subscription.js';
import type { ViewerState } from './viewer-state.js';

export interface FocusParts {
  envs: EnvFocus;
  grid: EnvGrid;
  catalog: EnvCatalog;
  gridControls: GridControls;
  subscription: SubscriptionPlanner;
  renderer: FrameRenderer;
  panel: StatePanel;
  input: InputController;
  view: ViewerState;
  canvas: HTMLCanvasElement;
  focusLabel: HTMLElement;
  gridCount: HTMLElement;
  /** Resizes the focus view (its room depends on whether the grid is shown). */
  fit: () => void;
}

export class FocusWiring {
  /** Called after the focus moved (the page redraws the focused env's controls). */
  onFocused?: () => void;

  constructor(private readonly p: FocusParts) {
    p.grid.onFocus = (env) => this.focusEnv(env);
    p.grid.onVisibleChange = () => this.planSubscription();
    // A cell that scrolls into view shows the newest frame the page has of it now, not at the next thumbnail.
    p.grid.onShown = (envs) => {
      for (const env of envs) {
        const f = p.view.latestFrame.get(env);
        if (f) p.grid.push(env, f.data, f.width, f.height, f.format);
      }
    };
    p.gridControls.onChange = () => {
      this.renderGrid();
      const follow = p.gridControls.follow;
      const best = follow === undefined ? undefined : p.catalog.best(follow);
      if (best !== undefined) this.focusEnv(best);
    };
  }

  /** One frame of `env`, from the socket or from a poll: into its grid cell, and the big canvas when focused. */
  showFrame(env: number, data: Uint8Array, width: number, height: number, bytes: number, format: FrameFormat = 'jpeg'): void {
    const { view, envs, grid, renderer } = this.p;
    const now = performance.now();
    view.bytes.add(now, bytes);
    view.latestFrame.set(env, { data, width, height, format });
    if (envs.multi) grid.push(env, data, width, height, format);
    if (env !== envs.focused) return;
    view.fps.add(now);
    renderer.push(data, width, height, format);
  }

  setEnvCount(count: unknown): void {
    const { envs, catalog, view } = this.p;
    envs.setCount(count);
    if (!catalog.listed && catalog.size !== envs.count) catalog.setList(undefined, envs.count); // HTTP fallback: a count only
    this.renderGrid();
    view.keepFramesOf((env) => envs.has(env));
    this.showFocus();
    // Listed ids may have gaps (a hub whose envs are all another node's starts at 1024): focus one that exists.
    const first = catalog.view({ kind: 'none' }, { kind: 'env' })[0];
    if (catalog.listed && !catalog.entry(envs.focused) && first) this.focusEnv(first.env);
  }

  /** The grid in the order, and with the filter, the grid tools say; then what to subscribe to. */
  renderGrid(): void {
    const { envs, catalog, gridControls, grid } = this.p;
    gridControls.setFields(catalog.fields());
    const shown = envs.multi ? catalog.view(gridControls.filter, gridControls.sort) : [];
    grid.show(shown, envs.count, envs.focused);
    this.p.gridCount.textContent = envs.multi ? `${shown.length} of ${catalog.size} shown` : '';
  }

  /** `states` records: every env's latest state, for sorting, filtering and following. */
  onStates(list: unknown): void {
    const { envs, catalog, gridControls } = this.p;
    if (!Array.isArray(list)) return;
    for (const item of list as Array<{ env?: unknown; state?: unknown }>) {
      if (typeof item.env !== 'number' || typeof item.state !== 'object' || item.state === null) continue;
      catalog.setState(item.env, item.state as Record<string, unknown>);
      if (item.env !== envs.focused) envs.setState(item.env, item.state as Record<string, unknown>);
    }
    const follow = gridControls.follow;
    const best = follow === undefined ? undefined : catalog.best(follow);
    if (best !== undefined && best !== envs.focused) this.focusEnv(best);
    if (gridControls.sort.kind === 'field' || gridControls.filter.kind === 'field') this.renderGrid();
    else gridControls.setFields(catalog.fields());
  }

  /** Many envs: the focused one at full rate, the thumbnails on screen at a low rate, every state. */
  planSubscription(): void {
    const { view, envs, grid, subscription } = this.p;
    if (view.conn !== 'live' || !envs.multi) return;
    subscription.want({ envs: [envs.focused], thumbs: grid.visible().filter((e) => e !== envs.focused), states: true });
  }

  /** Moves the focus to `env` without reconnecting: big canvas, state panel, stats and input follow. */
  focusEnv(env: number): void {
    const { envs, input, grid, view, panel, renderer } = this.p;
    if (!envs.focus(env)) return;
    input.releaseAll();
    grid.setFocused(env);
    this.planSubscription();
    view.resetMeters();
    panel.clear();
    const state = envs.stateOf(env);
    if (state) panel.update(state);
    const frame = view.latestFrame.get(env);
    if (frame) renderer.push(frame.data, frame.width, frame.height, frame.format);
    this.showFocus();
    this.onFocused?.();
  }

  private showFocus(): void {
    const { envs, catalog, focusLabel, canvas } = this.p;
    focusLabel.hidden = !envs.multi;
    const entry = catalog.entry(envs.focused);
    const name = entry && entry.source !== 'local' ? `${entry.label} (env ${envs.focused})` : `env ${envs.focused}`;
    focusLabel.textContent = `Showing ${name} of ${catalog.size}`;
    canvas.setAttribute('aria-label', envs.multi ? `Live emulator screen, env ${envs.focused}` : 'Live emulator screen');
    this.p.fit();
  }
}
