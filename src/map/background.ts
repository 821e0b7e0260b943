/**
 * A user's background picture for the Map view (gbstream ships no game graphics): an image file
 * drawn stretched over the layout's whole canvas, so it must be aligned to the layout (for Kanto,
 * 436×444 cells: e.g. a 6976×7104 picture at 16 pixels a cell). Read once at start.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config-error.js';

export interface MapBackground {
  bytes: Uint8Array;
  contentType: 'image/png' | 'image/jpeg' | 'image/webp';
}

export const MAX_BACKGROUND_BYTES = 32 * 1024 * 1024;

/** Which image format `bytes` start with, by magic number; undefined for anything else. */
export function imageType(bytes: Uint8Array): MapBackground['contentType'] | undefined {
  const at = (i: number, s: string) => [...s].every((c, k) => bytes[i + k] === c.charCodeAt(0));
  if (bytes[0] === 0x89 && at(1, 'PNG')) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'image/webp';
  return undefined;
}

/** @throws ConfigError quoting the path when the file is missing, too big or not PNG/JPEG/WebP. */
export async function loadBackground(path: string): Promise<MapBackground> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError('GBS_ERR_MAP_BACKGROUND', `map background "${path}" ${code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : (err as Error).message}`);
  }
  if (bytes.byteLength > MAX_BACKGROUND_BYTES) throw new ConfigError('GBS_ERR_MAP_BACKGROUND', `map background "${path}" is ${bytes.byteLength} bytes; at most ${MAX_BACKGROUND_BYTES}`);
  const contentType = imageType(bytes);
  if (!contentType) throw new ConfigError('GBS_ERR_MAP_BACKGROUND', `map background "${path}" is not a PNG, JPEG or WebP image`);
  return { bytes, contentType };
}
