/**
 * `gbstream export FILE --png DIR [--from T] [--to T] [--every N] [--scale K]
 * [--contact-sheet FILE.png]`: frames of a recording as PNG files and/or one contact sheet.
 * Progress goes to stderr: a bar on a terminal, a plain line every 10 % otherwise.
 */
import { Command, Option } from 'commander';
import { ConfigError } from '../config-error.js';
import { exportPngs, selectFrames, writeContactSheet } from '../record/export.js';
import { openRecording } from '../record/index.js';
import { parseEnvId, parseEvery, parseScale, parseSeconds, parseThumbnails } from './record-options.js';
import { addVideoOptions, exportVideo } from './export-video.js';

interface ExportFlags {
  png?: string;
  contactSheet?: string;
  from?: number;
  to?: number;
  every: number;
  scale: number;
  thumbnails: number;
  env?: number;
}

/** A progress reporter: redraws one line on a TTY, prints a line per 10 % otherwise. */
export function progress(out: NodeJS.WriteStream, label: string): (done: number, total: number) => void {
  let lastDecile = -1;
  return (done, total) => {
    const fraction = total === 0 ? 1 : done / total;
    if (out.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      out.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== lastDecile || done === total) {
      lastDecile = decile;
      out.write(`${label}: ${done}/${total} (${Math.round(fraction * 100)}%)\n`);
    }
  };
}

export function exportCommand(): Command {
  return addVideoOptions(new Command('export')
    .description('Write frames of a recording as PNG files (--png DIR) and/or one contact sheet of thumbnails (--contact-sheet FILE.png), or a video (--mp4/--gif); with --rom, every frame re-rendered from an input recording.')
    .argument('<file>', 'a .gbrec recording')
    .addOption(new Option('--png <dir>', 'write one PNG per frame into this directory'))
    .addOption(new Option('--contact-sheet <file>', 'write one PNG of evenly spaced thumbnails with their times'))
    .addOption(new Option('--from <seconds>', 'start, in seconds from the first frame').argParser(parseSeconds('from')))
    .addOption(new Option('--to <seconds>', 'end, in seconds from the first frame (inclusive)').argParser(parseSeconds('to')))
    .addOption(new Option('--every <n>', 'keep every Nth frame of the range').default(1).argParser(parseEvery))
    .addOption(new Option('--scale <k>', 'scale PNG frames K× (nearest neighbour)').default(1).argParser(parseScale))
    .addOption(new Option('--thumbnails <n>', 'thumbnails on the contact sheet (with several envs: in each env\'s row)').default(16).argParser(parseThumbnails))
    .addOption(new Option('--env <n>', 'only this env\'s frames (default: every env; the contact sheet gives each its own row)').argParser(parseEnvId))
    .action(async (file: string, flags: ExportFlags) => {
      if (await exportVideo(file, flags, (label) => progress(process.stderr, label))) return;
      if (flags.png === undefined && flags.contactSheet === undefined) throw new ConfigError('GBS_ERR_EXPORT', 'nothing to export: give --png DIR and/or --contact-sheet FILE.png');
      if (flags.from !== undefined && flags.to !== undefined && flags.to < flags.from) throw new ConfigError('GBS_ERR_EXPORT', `--to ${flags.to} is before --from ${flags.from}`);
      const recording = await openRecording(file);
      try {
        for (const issue of recording.index.issues) process.stderr.write(`gbstream: warning: ${issue.message}\n`);
        const envIds = [...new Set(recording.index.frames.map((f) => f.env))].sort((a, b) => a - b);
        if (flags.env !== undefined && !envIds.includes(flags.env)) {
          throw new ConfigError('GBS_ERR_EXPORT', `no frames of env ${flags.env} in ${file} (its envs: ${envIds.join(', ') || 'none'})`);
        }
        const range = { fromMs: flags.from === undefined ? undefined : flags.from * 1000, toMs: flags.to === undefined ? undefined : flags.to * 1000, env: flags.env };
        if (selectFrames(recording.index.frames, range).length === 0) {
          throw new ConfigError('GBS_ERR_EXPORT', `no frames between ${flags.from ?? 0} s and ${flags.to ?? 'the end'} (the recording is ${(recording.index.durationMs / 1000).toFixed(1)} s long)`);
        }
        if (flags.png !== undefined) {
          const files = await exportPngs(recording, { ...range, every: flags.every, dir: flags.png, scale: flags.scale, onProgress: progress(process.stderr, 'export') });
          process.stdout.write(`gbstream: wrote ${files.length} PNG files to ${flags.png}\n`);
        }
        if (flags.contactSheet !== undefined) {
          const sheet = await writeContactSheet(recording, { ...range, file: flags.contactSheet, thumbnails: flags.thumbnails });
          process.stdout.write(`gbstream: wrote a contact sheet of ${sheet.thumbnails} thumbnails (${sheet.width}×${sheet.height}) to ${sheet.file}\n`);
        }
      } finally {
        await recording.close();
      }
    }));
}
