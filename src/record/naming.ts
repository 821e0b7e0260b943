/**
 * Names of recording files: `--record FILE` (rotated files get `-001`, `-002`, … before the
 * extension) and `--record-dir DIR` (one file per run, named by UTC start time and ROM title).
 */
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';

export const RECORDING_EXTENSION = '.gbrec';

/** A ROM title made safe for a file name: lowercase ASCII letters, digits and dashes. */
export function sanitizeTitle(title: string): string {
  const clean = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return clean === '' ? 'rom' : clean;
}

/** `20240501T123005Z`: sortable, no colons (not allowed in Windows file names). */
export function utcStamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/** Path of file `index` when the user named the file: index 0 is the name itself. */
export function fileSeriesPath(file: string, index: number): string {
  if (index === 0) return file;
  const ext = extname(file);
  const stem = ext === '' ? file : file.slice(0, -ext.length);
  return `${stem}-${String(index).padStart(3, '0')}${ext}`;
}

/** Path of a new file in `dir`, never one that exists already (two runs in the same second). */
export function dirRecordingPath(dir: string, title: string, startedAt: Date): string {
  const base = `${utcStamp(startedAt)}-${sanitizeTitle(title)}`;
  let path = join(dir, base + RECORDING_EXTENSION);
  for (let n = 1; existsSync(path); n++) path = join(dir, `${base}-${n}${RECORDING_EXTENSION}`);
  return path;
}
