/**
 * Memory maps: game-state fields by address, loaded from JSON and validated with clear errors.
 *
 *   { "name": "…", "titles": ["POKEMON RED"], "fields": { "x": { "address": "0xD362", "type": "u8" } } }
 */
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config-error.js';

export const FIELD_TYPES = ['u8', 'i8', 'u16le', 'u16be', 'u24be', 'bcd', 'bitcount'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

const address = z.union([
  z.number().int().min(0).max(0xffff),
  z
    .string()
    .regex(/^0x[0-9a-fA-F]{1,4}$/, 'must be a number or a "0x…" hex string of at most 4 digits')
    .transform((s) => Number.parseInt(s.slice(2), 16)),
]);

const field = z
  .object({
    address,
    type: z.enum(FIELD_TYPES),
    length: z.number().int().min(1).max(64).optional(),
    bank: z.number().int().min(1).max(7).optional(),
    note: z.string().optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.type === 'bcd' && (f.length === undefined || f.length > 4)) {
      ctx.addIssue({ code: 'custom', message: 'a "bcd" field needs "length" 1–4 (bytes)', path: ['length'] });
    }
    if (f.length !== undefined && f.type !== 'bcd' && f.type !== 'bitcount') {
      ctx.addIssue({ code: 'custom', message: `"length" applies to bcd and bitcount, not ${f.type}`, path: ['length'] });
    }
    if (f.bank !== undefined && (f.address < 0xd000 || f.address > 0xdfff)) {
      ctx.addIssue({ code: 'custom', message: '"bank" applies only to WRAM addresses 0xD000–0xDFFF', path: ['bank'] });
    }
  });

/**
 * Which fields hold the player's position, and the world-map layout they are in (a bundled
 * layout's name, e.g. "kanto-map-layout", or a path relative to the map file): envs of such a
 * map appear on the Map view.
 */
const position = z
  .object({
    map: z.string(),
    x: z.string(),
    y: z.string(),
    layout: z.string().min(1),
    /**
     * When the position means something: `any_nonzero` lists fields of which at least one must
     * be non-zero (Gen 1 clears its RAM at power-on, so map 0 at (0, 0) is "no game yet": the
     * title screen). Without it every state is placed.
     */
    valid_when: z.object({ any_nonzero: z.array(z.string()).min(1) }).strict().optional(),
  })
  .strict();

const mapSchema = z
  .object({
    name: z.string().min(1),
    titles: z.array(z.string()).optional(),
    source: z.string().optional(),
    fields: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'field names are identifiers'), field),
    position: position.optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    for (const key of ['map', 'x', 'y'] as const) {
      const name = m.position?.[key];
      if (name !== undefined && !(name in m.fields)) {
        ctx.addIssue({ code: 'custom', message: `names no field: ${JSON.stringify(name)}`, path: ['position', key] });
      }
    }
    m.position?.valid_when?.any_nonzero.forEach((name, i) => {
      if (!(name in m.fields)) ctx.addIssue({ code: 'custom', message: `names no field: ${JSON.stringify(name)}`, path: ['position', 'valid_when', 'any_nonzero', i] });
    });
  });

export type MemoryMap = z.output<typeof mapSchema>;
export type FieldSpec = MemoryMap['fields'][string];
export type PositionSpec = NonNullable<MemoryMap['position']>;

/** Bundled layouts are named by file (`kanto-map-layout`); anything else is a path to a layout file. */
export function isLayoutFile(spec: string): boolean {
  return !/^[a-z0-9][a-z0-9-]*$/.test(spec);
}

/** Validates a parsed JSON value as a memory map. @throws ConfigError quoting the bad part. */
export function parseMemoryMap(value: unknown, origin: string): MemoryMap {
  const result = mapSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length ? issue.path.join('.') : '(top level)';
  throw new ConfigError('GBS_ERR_MAP_INVALID', `memory map "${origin}" is invalid at ${where}: ${issue.message}`);
}

/** Reads and validates a map file. @throws ConfigError on a missing file, bad JSON or bad schema. */
export async function loadMemoryMap(path: string): Promise<MemoryMap> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new ConfigError('GBS_ERR_MAP_UNREADABLE', `memory map "${path}" ${why}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('GBS_ERR_MAP_INVALID', `memory map "${path}" is not valid JSON: ${(err as Error).message}`);
  }
  const map = parseMemoryMap(json, path);
  // A layout given as a path is relative to the map file, wherever gbstream runs from.
  if (map.position && isLayoutFile(map.position.layout)) map.position.layout = resolve(dirname(path), map.position.layout);
  return map;
}

/** Finds the bundled map whose `titles` include the ROM title, if any. Invalid bundled maps throw. */
export async function findMapForTitle(dir: string, title: string): Promise<MemoryMap | undefined> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  for (const name of names) {
    const map = await loadMemoryMap(join(dir, name));
    if (map.titles?.some((t) => t.trim().toUpperCase() === title.trim().toUpperCase())) return map;
  }
  return undefined;
}
