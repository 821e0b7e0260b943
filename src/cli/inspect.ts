/**
 * `gbstream inspect FILE [--json]`: what a recording holds (with an input log: each env's episodes,
 * their length and score) and whether it is damaged. Exits 0
 * whenever the file is readable at all (a truncated tail or a skipped corrupt record is reported,
 * not fatal); a missing, empty or foreign file is one line on stderr and exit 1.
 */
import { Command, Option } from 'commander';
import { openRecording, type RecordingIndex } from '../record/index.js';
import type { RecordingIssue } from '../record/file-reader.js';
import { ConfigError } from '../config-error.js';
import { inspectVerify } from './inspect-verify.js';
import type { InputLog } from '../record/inputs/input-log-index.js';
import { episodesOf, formatEpisode, inputLogOf } from '../record/inputs/verify.js';

export interface InspectReport {
  file: string;
  size: number;
  protocol: number;
  server: string;
  rom: { title: string; cgb: string; sha1: string; cartridgeName: string };
  envs: number;
  /** Frames per second the server was asked to publish. */
  fps: number;
  /** Frames per second of one env in the file (its frames − 1 over its span), the mean over envs. */
  measuredFps: number;
  /** Each env's measured frames per second, by env id. */
  envFps: Record<string, number>;
  speed: number | 'max';
  encoder: string;
  /** The stream's default format from the hello (absent in recordings made before PNG frames). */
  format?: string;
  /** The emulator core that ran the game. */
  core: string;
  map: string | null;
  fields: string[];
  frames: number;
  /** Frames by image format, e.g. `{ jpeg: 120, png: 80 }`. */
  formats: Record<string, number>;
  events: number;
  /** ISO time of the first and last frame. */
  start: string | null;
  end: string | null;
  durationMs: number;
  first: { seq: number; frame: number } | null;
  last: { seq: number; frame: number } | null;
  truncated: boolean;
  corrupt: number;
  issues: RecordingIssue[];
  /** The input log's episodes per env (length, score), or null for a recording without one. */
  inputLog: { envs: ReturnType<typeof episodesOf> } | null;
}

export function inspectReport(file: string, index: RecordingIndex, inputLog: InputLog | null = null): InspectReport {
  const { hello, frames } = index;
  const first = frames[0];
  const last = frames[frames.length - 1];
  const envFps = perEnvFps(frames);
  const rates = Object.values(envFps);
  return {
    file,
    size: index.size,
    protocol: hello.protocol,
    server: hello.server,
    rom: { title: hello.rom.title, cgb: hello.rom.cgb, sha1: hello.rom.sha1, cartridgeName: hello.rom.cartridgeName },
    envs: hello.envs,
    fps: hello.fps,
    measuredFps: rates.length > 0 ? round2(rates.reduce((a, b) => a + b, 0) / rates.length) : 0,
    envFps,
    speed: hello.speed,
    encoder: hello.encoder,
    format: hello.format,
    // Recordings from before cores could be chosen ran serverboy.
    core: hello.core ?? 'serverboy',
    map: hello.map,
    fields: hello.fields,
    frames: frames.length,
    formats: countFormats(frames),
    events: index.events.length,
    start: first ? new Date(first.ts).toISOString() : null,
    end: last ? new Date(last.ts).toISOString() : null,
    durationMs: index.durationMs,
    first: first ? { seq: first.seq, frame: first.frame } : null,
    last: last ? { seq: last.seq, frame: last.frame } : null,
    truncated: index.issues.some((i) => i.kind === 'truncated'),
    corrupt: index.issues.filter((i) => i.kind === 'corrupt').length,
    issues: [...index.issues],
    inputLog: inputLog && { envs: episodesOf(inputLog) },
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Each env's published rate: its frames − 1 over the time from its first frame to its last. Per
 * env, because `--fps` is per env: 2 envs at 10 fps put 20 frames a second in the file.
 */
function perEnvFps(frames: RecordingIndex['frames']): Record<string, number> {
  const spans = new Map<number, { first: number; last: number; count: number }>();
  for (const f of frames) {
    const span = spans.get(f.env);
    if (span) {
      span.last = f.ts;
      span.count++;
    } else spans.set(f.env, { first: f.ts, last: f.ts, count: 1 });
  }
  const out: Record<string, number> = {};
  for (const [env, s] of [...spans].sort((a, b) => a[0] - b[0])) out[env] = s.last > s.first ? round2(((s.count - 1) * 1000) / (s.last - s.first)) : 0;
  return out;
}

/** "10 fps measured" for one env; "10 fps measured per env (9.8–10.1 over 2 envs)" for several. */
function measuredText(r: InspectReport): string {
  const rates = Object.values(r.envFps);
  if (rates.length <= 1) return `${r.measuredFps} fps measured`;
  const low = Math.min(...rates);
  const high = Math.max(...rates);
  return `${r.measuredFps} fps measured per env (${low === high ? 'every one' : `${low}–${high}`} over ${rates.length} envs)`;
}

function countFormats(frames: RecordingIndex['frames']): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of frames) {
    const format = f.format ?? 'jpeg';
    counts[format] = (counts[format] ?? 0) + 1;
  }
  return counts;
}

export function formatReport(r: InspectReport): string {
  const lines = [
    `file       ${r.file} (${r.size.toLocaleString('en-US')} bytes)`,
    `rom        ${r.rom.title} (${r.rom.cgb}, ${r.rom.cartridgeName}, sha1 ${r.rom.sha1})`,
    `recorded   ${r.start ?? '-'} → ${r.end ?? '-'} by ${r.server}, protocol ${r.protocol}, encoder ${r.encoder}, core ${r.core}`,
    `duration   ${(r.durationMs / 1000).toFixed(1)} s`,
    `frames     ${r.frames} (${measuredText(r)}; ${r.fps} fps configured; speed ${r.speed}), envs ${r.envs}`,
    `formats    ${Object.entries(r.formats).map(([f, n]) => `${f} ${n}`).join(', ') || '-'}${r.format ? ` (stream default ${r.format})` : ''}`,
    `frame no.  ${r.first ? `${r.first.frame} … ${r.last!.frame} (seq ${r.first.seq} … ${r.last!.seq})` : '-'}`,
    `state      ${r.fields.length > 0 ? `${r.fields.join(', ')}${r.map ? ` (map ${r.map})` : ''}` : 'none'}`,
    `events     ${r.events}`,
  ];
  if (r.inputLog) {
    const { envs } = r.inputLog;
    const episodes = envs.reduce((n, e) => n + e.episodes.length, 0);
    lines.push(`inputs     ${envs.length} env${envs.length === 1 ? '' : 's'}, ${episodes} episode${episodes === 1 ? '' : 's'}, ${envs.reduce((n, e) => n + e.frames, 0).toLocaleString('en-US')} frames (inspect --verify --rom ROM re-runs them)`);
    for (const e of envs) {
      lines.push(`env ${String(e.env).padEnd(7)}${e.frames.toLocaleString('en-US')} frames, ${e.episodes.length} episode${e.episodes.length === 1 ? '' : 's'}, ${e.checkpoints} checkpoint${e.checkpoints === 1 ? '' : 's'}`);
      for (const ep of e.episodes) lines.push(formatEpisode(ep));
    }
  }
  if (r.issues.length === 0) lines.push('damage     none');
  else r.issues.forEach((issue, i) => lines.push(`${i === 0 ? 'damage' : '      '}     ${issue.message}`));
  return lines.join('\n') + '\n';
}

export function inspectCommand(): Command {
  return new Command('inspect')
    .description('Describe a recording: ROM, duration, frames, fps, state fields, and any truncation or corruption.')
    .argument('<file>', 'a .gbrec recording')
    .addOption(new Option('--json', 'print the report as JSON').default(false))
    .addOption(new Option('--verify', 'input log: re-run every env on the recorded core and check every checkpoint (exit 3 on a desync); needs --rom'))
    .addOption(new Option('--rom <file>', 'the ROM the recording was made with (for --verify)'))
    .action(async (file: string, flags: { json: boolean; verify?: boolean; rom?: string }) => {
      if (flags.verify) {
        if (flags.rom === undefined) throw new ConfigError('GBS_ERR_NO_INPUT_LOG', '--verify needs --rom FILE (the ROM the recording was made with)');
        return inspectVerify(file, flags.rom, flags.json);
      }
      const recording = await openRecording(file);
      try {
        const report = inspectReport(file, recording.index, await inputLogOf(file, recording.index));
        process.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
      } finally {
        await recording.close();
      }
    });
}
