/**
 * The Map view over HTTP:
 *
 *   GET /api/map         every agent's latest position (local and global), trail and the visit
 *                        counts: {"layout", "agents": [{"envId", "user", "label", "color", "map",
 *                        "x", "y", "gx", "gy", "updatedAt", …}], "visits": {"cells": [[gx, gy, n]], "max"}}
 *   GET /api/map/layout  the layout: canvas size and each map's rectangle, for drawing outlines
 *
 * Returns false for other paths, so the rest of the API and the static files get them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { layoutJson } from '../map/layout.js';
import type { MapPositions } from '../map/positions.js';

export function createMapRoutes(positions: () => MapPositions | undefined) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/api/map' && path !== '/api/map/layout') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    const model = positions();
    if (!model) {
      json(res, 404, { error: 'GBS_ERR_UNSUPPORTED', message: 'this server has no map' });
      return true;
    }
    json(res, 200, path === '/api/map' ? model.json() : layoutJson(model.layout), req.method === 'HEAD');
    return true;
  };
}

function json(res: ServerResponse, status: number, body: unknown, head = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache', 'content-length': Buffer.byteLength(text) });
  res.end(head ? undefined : text);
}
