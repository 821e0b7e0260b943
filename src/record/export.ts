/**
 * Frames out of a recording: PNG files (JPEG decoded by sharp, scaled with nearest-neighbour so
 * pixel art stays sharp, written by pngjs; a PNG frame at scale 1 is written byte for byte, so the
 * file is exactly what was streamed) and a contact sheet of evenly spaced thumbnails with their
 * times (and envs, in a multi-env recording).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import sharp, { type OverlayOptions } from 'sharp';
import { LENGTH_PREFIX_BYTES } from '../protocol/constants.js';
import { decodeBody } from '../protocol/record.js';
import type { FrameEntry, Recording } from './index.js';

export interface FrameSelection {
  /** ms from the first frame; inclusive. */
  fromMs?: number;
  toMs?: number;
  /** Keep every Nth frame of the range (1 = all). */
  every?: number;
  /** Only this env's frames (default: every env). */
  env?: number;
}

/** The frames in a time range (of one env, or all), every Nth of each env (in a multi-env file envs interleave). */
export function selectFrames(frames: readonly FrameEntry[], selection: FrameSelection): FrameEntry[] {
  const start = frames[0]?.ts ?? 0;
  const from = start + (selection.fromMs ?? 0);
  const to = selection.toMs === undefined ? Infinity : start + selection.toMs;
  const every = selection.every ?? 1;
  const seen = new Map<number, number>();
  return frames
    .filter((f) => f.ts >= from && f.ts <= to && (selection.env === undefined || f.env === selection.env))
    .filter((f) => {
      const k = seen.get(f.env) ?? 0;
      seen.set(f.env, k + 1);
      return k % every === 0;
    });
}

/** `n` frames evenly spaced over `frames` (all of them when there are fewer). */
export function evenlySpaced<T>(frames: readonly T[], n: number): T[] {
  if (frames.length <= n) return [...frames];
  if (n === 1) return [frames[0]!];
  return Array.from({ length: n }, (_, k) => frames[Math.round((k * (frames.length - 1)) / (n - 1))]!);
}

/** A frame record's image bytes (JPEG or PNG, as recorded). */
export async function frameImage(recording: Recording, entry: FrameEntry): Promise<Uint8Array> {
  const bytes = await recording.read(entry);
  return decodeBody(bytes.subarray(LENGTH_PREFIX_BYTES))['data'] as Uint8Array;
}

/** Decodes a frame record's image (JPEG or PNG; sharp detects which) to RGBA, scaled `scale`×. */
export async function decodeFrame(recording: Recording, entry: FrameEntry, scale = 1): Promise<{ width: number; height: number; rgba: Buffer; image: Uint8Array }> {
  const data = await frameImage(recording, entry);
  let image = sharp(data);
  const meta = await image.metadata();
  const width = (meta.width ?? 0) * scale;
  const height = (meta.height ?? 0) * scale;
  if (scale !== 1) image = image.resize(width, height, { kernel: 'nearest' });
  const rgba = await image.ensureAlpha().raw().toBuffer();
  return { width, height, rgba, image: data };
}

/** `env<E>-frame-<seq>.png`: `seq` counts per env, so the env is part of every name. */
export function pngName(entry: FrameEntry): string {
  return `env${entry.env}-frame-${String(entry.seq).padStart(6, '0')}.png`;
}

export interface PngExportOptions extends FrameSelection {
  dir: string;
  scale?: number;
  onProgress?(done: number, total: number, file: string): void;
}

/** Writes one PNG per selected frame; returns their paths. */
export async function exportPngs(recording: Recording, options: PngExportOptions): Promise<string[]> {
  const selected = selectFrames(recording.index.frames, options);
  await mkdir(options.dir, { recursive: true });
  const written: string[] = [];
  for (const entry of selected) {
    const file = join(options.dir, pngName(entry));
    if (entry.format === 'png' && (options.scale ?? 1) === 1) {
      await writeFile(file, await frameImage(recording, entry));
    } else {
      const { width, height, rgba } = await decodeFrame(recording, entry, options.scale ?? 1);
      const png = new PNG({ width, height });
      rgba.copy(png.data);
      await writeFile(file, PNG.sync.write(png));
    }
    written.push(file);
    options.onProgress?.(written.length, selected.length, file);
  }
  return written;
}

export interface ContactSheetOptions extends FrameSelection {
  file: string;
  /** Thumbnails on the sheet (default 16); with several envs, thumbnails in each env's row. */
  thumbnails?: number;
  columns?: number;
}

const LABEL_HEIGHT = 18;
const GAP = 4;

/** `m:ss.s` from ms. */
export function formatTime(ms: number): string {
  const totalTenths = Math.floor(ms / 100);
  const minutes = Math.floor(totalTenths / 600);
  const seconds = (totalTenths % 600) / 10;
  return `${minutes}:${seconds.toFixed(1).padStart(4, '0')}`;
}

/** A thumbnail's label: time from the start and emulated frame, and the env when there are several. */
export function thumbnailLabel(entry: FrameEntry, startTs: number, envs: number): string {
  const label = `${formatTime(entry.ts - startTs)}  #${entry.frame}`;
  return envs > 1 ? `env ${entry.env}  ${label}` : label;
}

/**
 * Where each thumbnail goes: one env's frames fill a square-ish grid; several envs get one row
 * each (`thumbnails` evenly spaced over that env's own frames), so a row reads as one env's time.
 */
export function sheetLayout(selected: readonly FrameEntry[], thumbnails: number, columns?: number): { cells: { entry: FrameEntry; row: number; column: number }[]; rows: number; columns: number } {
  const envs = [...new Set(selected.map((f) => f.env))].sort((a, b) => a - b);
  if (envs.length <= 1) {
    const picked = evenlySpaced(selected, thumbnails);
    const cols = Math.max(1, Math.min(columns ?? Math.ceil(Math.sqrt(picked.length)), picked.length));
    return { cells: picked.map((entry, k) => ({ entry, row: Math.floor(k / cols), column: k % cols })), rows: Math.ceil(picked.length / cols), columns: cols };
  }
  const cells = envs.flatMap((env, row) => evenlySpaced(selected.filter((f) => f.env === env), thumbnails).map((entry, column) => ({ entry, row, column })));
  return { cells, rows: envs.length, columns: Math.max(...cells.map((c) => c.column)) + 1 };
}

/** Writes one PNG of evenly spaced thumbnails (full size, 160×144) labelled with their time. */
export async function writeContactSheet(recording: Recording, options: ContactSheetOptions): Promise<{ file: string; thumbnails: number; width: number; height: number }> {
  const { frames } = recording.index;
  const selected = selectFrames(frames, { fromMs: options.fromMs, toMs: options.toMs, env: options.env });
  if (selected.length === 0) throw new Error('no frames in the selected range');
  const { cells, rows, columns } = sheetLayout(selected, options.thumbnails ?? 16, options.columns);
  const cellW = recording.index.hello.width;
  const cellH = recording.index.hello.height + LABEL_HEIGHT;
  const width = GAP + columns * (cellW + GAP);
  const height = GAP + rows * (cellH + GAP);
  const start = recording.index.startTs;
  const envs = Math.max(recording.index.hello.envs, new Set(frames.map((f) => f.env)).size);
  const layers: OverlayOptions[] = [];
  const labels: string[] = [];
  for (const { entry, row, column } of cells) {
    const left = GAP + column * (cellW + GAP);
    const top = GAP + row * (cellH + GAP);
    layers.push({ input: Buffer.from(await frameImage(recording, entry)), left, top });
    labels.push(`<text x="${left + 2}" y="${top + cellH - 5}">${thumbnailLabel(entry, start, envs)}</text>`);
  }
  // Text through an SVG overlay: sharp renders it with librsvg, no font files of our own.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g font-family="DejaVu Sans Mono, monospace" font-size="12" fill="#e8e8e8">${labels.join('')}</g></svg>`;
  layers.push({ input: Buffer.from(svg), left: 0, top: 0 });
  await sharp({ create: { width, height, channels: 3, background: '#202020' } }).composite(layers).png().toFile(options.file);
  return { file: options.file, thumbnails: cells.length, width, height };
}
