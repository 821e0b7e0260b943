/**
 * The Map view's page glue: positions records in, the layout's outlines and background fetched
 * once per layout, the toggle and heatmap switch, and GET api/map polled while on HTTP fallback.
 */
import { el } from './dom.js';
import { fullFromApi } from './map-model.js';
import type { MapView, Region } from './map-view.js';

/** Without the socket there are no positions records: the fallback polls GET api/map instead. */
const MAP_POLL_MS = 2000;

export interface MapWiring {
  mapView: MapView;
  /** Scrolled into view when an agent on the map is clicked. */
  stage: HTMLElement;
  focusEnv: (env: number) => void;
  /** Whether the page runs on the HTTP fallback and its polls answer. */
  polling: () => boolean;
}

/** Wires the Map view; returns what takes a `positions` record. */
export function wireMap({ mapView, stage, focusEnv, polling }: MapWiring): (r: Record<string, unknown>) => void {
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
  el('map-toggle').addEventListener('click', () => {
    const on = el('map').hidden;
    el('map').hidden = !on;
    el('map-toggle').setAttribute('aria-pressed', String(on));
    mapView.setVisible(on);
  });
  el<HTMLInputElement>('map-heat').addEventListener('change', (e) => mapView.setHeatmap((e.target as HTMLInputElement).checked));
  return showPositions;
}
