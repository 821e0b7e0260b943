/**
 * The message PokemonRedExperiments' StreamWrapper (and the projects that copied it) sends to a
 * map server's `/broadcast` socket, as a WebSocket text frame:
 *
 *   {"metadata": {"user": "…", "env_id": 3, "color": "#0033ff", "extra": "…", "sprite_id": 0},
 *    "coords": [[x, y, map_id], …]}
 *
 * `coords` is the path walked since the previous message (one entry per env step). Every
 * metadata key is optional in the wrapper; forks send `extra` as a number (a pid) too.
 * Pure: text in, a typed message or the reason it is refused out.
 */

export interface WrapperMessage {
  user?: string;
  envId?: number | string;
  /** `#rrggbb` or `#rgb` when the sender gave one; other colour words are ignored. */
  color?: string;
  extra?: string;
  spriteId?: number;
  /** `[x, y, mapId]` triples, oldest first. */
  coords: Array<[number, number, number]>;
}

/** Longest `user`/`env_id` string kept; longer ones are refused (a label, not a payload). */
export const MAX_NAME_CHARS = 64;
/** Longest `extra` kept; longer text is cut (it is shown on hover). */
export const MAX_EXTRA_CHARS = 256;
/** Most coordinates in one message (the wrapper sends 250–2000). */
export const MAX_COORDS = 32_768;

const HEX_COLOUR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

type Result = { ok: true; message: WrapperMessage } | { ok: false; reason: string };

const fail = (reason: string): Result => ({ ok: false, reason });

/** Parses one text frame. Unknown keys are ignored (forks add their own); wrong types are refused. */
export function parseWrapperMessage(text: string): Result {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('malformed JSON');
  }
  if (!isObject(value)) return fail('expected a JSON object with "metadata" and "coords"');
  const meta = value['metadata'] ?? {};
  if (!isObject(meta)) return fail('"metadata" must be an object');
  const coords = value['coords'];
  if (!Array.isArray(coords)) return fail('"coords" must be an array of [x, y, map_id]');
  if (coords.length > MAX_COORDS) return fail(`"coords" has ${coords.length} entries; at most ${MAX_COORDS}`);
  const out: Array<[number, number, number]> = [];
  for (let i = 0; i < coords.length; i++) {
    const c: unknown = coords[i];
    if (!Array.isArray(c) || c.length < 3 || !c.slice(0, 3).every(isCoordinate)) {
      return fail(`coords[${i}] must be [x, y, map_id] integers 0–65535, got ${JSON.stringify(c)?.slice(0, 40)}`);
    }
    out.push([c[0] as number, c[1] as number, c[2] as number]);
  }
  const message: WrapperMessage = { coords: out };

  const user = meta['user'];
  if (user !== undefined && user !== null) {
    if (typeof user !== 'string' && typeof user !== 'number') return fail('"metadata.user" must be a string');
    if (String(user).length > MAX_NAME_CHARS) return fail(`"metadata.user" is longer than ${MAX_NAME_CHARS} characters`);
    message.user = String(user);
  }
  const envId = meta['env_id'];
  if (envId !== undefined && envId !== null) {
    if (typeof envId === 'number' ? !Number.isSafeInteger(envId) : typeof envId !== 'string' || envId.length > MAX_NAME_CHARS) {
      return fail('"metadata.env_id" must be an integer or a short string');
    }
    message.envId = envId as number | string;
  }
  const color = meta['color'];
  if (color !== undefined && color !== null) {
    if (typeof color !== 'string') return fail('"metadata.color" must be a string like "#0033ff"');
    if (HEX_COLOUR.test(color)) message.color = color.toLowerCase();
  }
  const extra = meta['extra'];
  if (extra !== undefined && extra !== null) {
    if (typeof extra !== 'string' && typeof extra !== 'number' && typeof extra !== 'boolean') return fail('"metadata.extra" must be text');
    message.extra = String(extra).slice(0, MAX_EXTRA_CHARS);
  }
  const sprite = meta['sprite_id'];
  if (sprite !== undefined && sprite !== null) {
    if (!Number.isSafeInteger(sprite)) return fail('"metadata.sprite_id" must be an integer');
    message.spriteId = sprite as number;
  }
  return { ok: true, message };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCoordinate(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff;
}
