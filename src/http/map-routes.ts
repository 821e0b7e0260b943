/**
 * The Map view over HTTP:
 *
 *   GET /api/map         every agent's latest position (local and global), trail and the visit
 *                        counts: {"layout", "agents": [{"envId", "user", "label", "color", "map",
 *                        "x", "y", "gx", "gy", "updatedAt", …}], "visits": {"cells": [[gx, gy, n]], "max"}}
 *   GET /api/map/layout  the layout: canvas size and each map's rectangle, for drawing outlines
 *                        and place names, whether there is a background picture, and whether one
 *                        is still being drawn (`backgroundPending`: ask again)
 *   GET /api/map/background  that picture, aligned to the canvas: `--map-background FILE`, else
 *                        the world drawn from the user's Pokémon ROM (src/map/rom-background.ts)
 *
 * Returns false for other paths, so the rest of the API and the static files get them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MapBackground } from '../map/background.js';
import { layoutJson, type MapLayout } from '../map/layout.js';
import type { MapPositions } from '../map/positions.js';

const PATHS = new Set(['/api/map', '/api/map/layout', '/api/map/background']);

export interface MapRouteSources {
  /** The model: the live one, or a replay's (the recorded `positions` records played so far). */
  positions?: () => Pick<MapPositions, 'json'> | { json(): unknown } | undefined;
  layout: () => MapLayout | undefined;
  /** The picture; 'pending' while it is being drawn from the ROM. */
  background?: () => MapBackground | 'pending' | undefined;
}

export function createMapRoutes(sources: MapRouteSources) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (!PATHS.has(path)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    const head = req.method === 'HEAD';
    const found = sources.background?.();
    const picture = found === 'pending' ? undefined : found;
    const layout = sources.layout();
    const body = sources.positions?.()?.json();
    if (path === '/api/map/background') {
      if (!picture) json(res, 404, { error: 'GBS_ERR_NOT_FOUND', message: found === 'pending' ? 'the map background is still being drawn; ask again' : 'no map background (a Pokémon Red/Blue/Yellow ROM, hub --map-rom, or --map-background FILE gives one)' });
      else {
        res.writeHead(200, { 'content-type': picture.contentType, 'content-length': picture.bytes.byteLength, 'cache-control': 'no-cache' });
        res.end(head ? undefined : picture.bytes);
      }
    } else if (path === '/api/map/layout') {
      if (!layout) json(res, 404, { error: 'GBS_ERR_NOT_FOUND', message: 'no map layout known here' });
      else json(res, 200, { ...layoutJson(layout), background: picture !== undefined, backgroundPending: found === 'pending' }, head);
    } else if (body === undefined) {
      json(res, 404, { error: 'GBS_ERR_UNSUPPORTED', message: 'no map here (a replay has one once it played a recorded positions record)' });
    } else {
      json(res, 200, body, head);
    }
    return true;
  };
}

function json(res: ServerResponse, status: number, body: unknown, head = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache', 'content-length': Buffer.byteLength(text) });
  res.end(head ? undefined : text);
}
