/**
 * The Map view's page glue: positions records in; the layout's outlines, place names and
 * background fetched once per layout (asked again while the server is still drawing the
 * background from the ROM); the toggle, which puts the map beside the video on wide screens
 * (`main.with-map`, style.css) and under it on narrow ones; zoom/pan controls, "Fit all",
 * "Whole map", "Follow focused env", the heatmap switch; and GET api/map polled on HTTP fallback.
 */
import { el } from './dom.js';
import { attachMapControls } from './map-controls.js';
import { fullFromApi } from './map-model.js';
import type { MapView, Region } from './map-view.js';

/** Without the socket there are no positions records: the fallback polls GET api/map instead. */
const MAP_POLL_MS = 2000;
/** While the server draws the background from the ROM (about a second), ask again this often. */
const BACKGROUND_RETRY_MS = 1500;

export interface MapWiring {
  mapView: MapView;
  /** Scrolled into view when an agent on the map is clicked. */
  stage: HTMLElement;
  focusEnv: (env: number) => void;
  /** The focused env, which "Follow focused env" keeps centred. */
  focusedEnv: () => number;
  /** Whether the page runs on the HTTP fallback and its polls answer. */
  polling: () => boolean;
}

interface LayoutBody {
  name: string;
  regions: Region[];
  background?: boolean;
  backgroundPending?: boolean;
}

/** Wires the Map view; returns what takes a `positions` record. */
export function wireMap({ mapView, stage, focusEnv, focusedEnv, polling }: MapWiring): (r: Record<string, unknown>) => void {
  let mapLayoutAsked = '';
  function fetchLayout(name: string): void {
    fetch(new URL('api/map/layout', location.href))
      .then((res) => (res.ok ? (res.json() as Promise<LayoutBody>) : undefined))
      .then((layout) => {
        if (layout?.name !== name) return;
        mapView.setRegions(layout.regions);
        if (layout.backgroundPending) setTimeout(() => fetchLayout(name), BACKGROUND_RETRY_MS);
        if (!layout.background) return;
        const picture = new Image();
        picture.onload = () => mapView.setBackground(picture);
        picture.src = new URL('api/map/background', location.href).href;
      })
      .catch(() => undefined);
  }
  /** Map: the toggle appears with the first positions; outlines come from the server's layout (live, or a bundled one in a replay). */
  function showPositions(r: Record<string, unknown>): void {
    mapView.apply(r);
    el('map-toggle').hidden = false;
    const name = mapView.model.layout?.name;
    if (name && name !== mapLayoutAsked) {
      mapLayoutAsked = name;
      fetchLayout(name);
    }
  }
  setInterval(() => {
    if (!polling()) return;
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
  const canvas = el<HTMLCanvasElement>('map-canvas');
  attachMapControls(canvas, mapView);
  el('map-toggle').addEventListener('click', () => {
    const on = el('map').hidden;
    el('map').hidden = !on;
    document.querySelector('main')?.classList.toggle('with-map', on);
    el('map-toggle').setAttribute('aria-pressed', String(on));
    mapView.setVisible(on);
    if (on) el('map').scrollIntoView({ block: 'nearest' });
  });
  el<HTMLInputElement>('map-heat').addEventListener('change', (e) => mapView.setHeatmap((e.target as HTMLInputElement).checked));
  el('map-fit').addEventListener('click', () => mapView.fitAgents());
  el('map-world').addEventListener('click', () => mapView.fitWorld());
  el<HTMLInputElement>('map-follow').addEventListener('change', (e) => mapView.setFollow((e.target as HTMLInputElement).checked ? focusedEnv : undefined));
  return showPositions;
}
