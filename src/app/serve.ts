/**
 * `gbstream serve` (and the library's `serve()`): the site with local envs — emulators in this
 * process or its worker threads — plus publishers (trainers elsewhere may publish envs here too,
 * numbered after the local ones) and `/broadcast` agents. See site.ts for what the site owns.
 *
 * Returns a handle so tests and the CLI share one code path; the CLI adds signals and exit codes.
 */
import { joinCluster, type ClusterOptions } from '../cluster/join.js';
import type { Env } from '../envs/env.js';
import { DEFAULT_MAX_PUBLISHED_ENVS } from '../hub/env-table.js';
import { PROTOCOL_VERSION, SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import type { RecordMode, RecordSpec } from '../record/start-recorder.js';
import { authFailuresOf, type ControlPolicy } from '../server/control.js';
import { StreamWrapperSource } from '../sources/stream-wrapper-source.js';
import { openLocalEnvs, type LocalEnvsOptions } from '../sources/local-source.js';
import { PublisherSource } from '../sources/publisher-source.js';
import type { MemoryMap } from '../state/memory-map.js';
import { VERSION } from '../version.js';
import { startSite, type SiteHandle } from './site.js';

/** What to run (ROM, envs, core, encoder, policy: the local envs' options) and where to serve it. */
export interface ServeOptions extends LocalEnvsOptions {
  port: number;
  host: string;
  /** Also serve the agent/viewer records on this Unix-domain socket. */
  socket?: string;
  webRoot?: string;
  /** Who may send input; default nobody. */
  control?: ControlPolicy;
  /** Extra browser origins allowed to connect. */
  allowOrigins?: readonly string[];
  /** A picture aligned to the map layout, drawn under the Map view's dots. */
  mapBackground?: string;
  /** Where the background drawn from the ROM is cached (default the XDG cache dir). */
  cacheDir?: string;
  /** Record every published record to disk (`--record FILE` / `--record-dir DIR`). */
  record?: RecordSpec;
  /** What the recording keeps: published frames (default), every env's input log, or both. */
  recordMode?: RecordMode;
  /** Emulated seconds between input-log checkpoints (default 60). */
  checkpointS?: number;
  /** Join a cluster: other nodes' envs appear here, this node's there (docs/cluster.md). */
  cluster?: ClusterOptions;
}

export interface Serving extends SiteHandle {
  envs: Env[];
  map: MemoryMap | undefined;
  title: string;
}

export async function serve(options: ServeOptions): Promise<Serving> {
  const { log } = options;
  const control = options.control ?? { mode: 'off' };
  // What the recording keeps: input logs are made by the envs themselves (every emulated frame).
  const recordMode = options.record ? (options.recordMode ?? 'frames') : 'frames';
  const local = await openLocalEnvs({ ...options, inputLog: recordMode === 'frames' ? undefined : { checkpointS: options.checkpointS } });
  const { rom, map } = local;
  // Remote envs are numbered after the publishers' whole range (local envs, then up to the default max published).
  let cluster;
  try {
    cluster = options.cluster && (await joinCluster(options.cluster, { firstEnv: local.slots() + DEFAULT_MAX_PUBLISHED_ENVS, control, fps: options.fps, log }));
  } catch (err) {
    await local.close();
    throw err;
  }
  const sources = [
    local,
    new PublisherSource({ firstEnv: local.slots(), fps: options.fps, quality: options.quality, encoder: options.encoder ?? 'auto', format: local.format, control, log }),
    new StreamWrapperSource({ host: options.host, token: control.mode === 'token' ? control.token : undefined, failures: authFailuresOf(control), log }),
    ...(cluster ? [cluster] : []),
  ];
  const site = await startSite({
    ...options,
    recordMode,
    control,
    sources,
    map: { live: { memoryMap: map, background: options.mapBackground, rom: { bytes: local.romBytes, sha1: rom.sha1 }, cacheDir: options.cacheDir } },
    hello: () => ({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      server: `gbstream ${VERSION}`,
      site: { kind: 'serve', name: rom.title },
      rom,
      fps: options.fps,
      width: SCREEN_WIDTH,
      height: SCREEN_HEIGHT,
      speed: options.speed,
      map: map?.name ?? null,
      fields: map ? Object.keys(map.fields) : [],
      encoder: local.encoder,
      format: local.format,
      core: local.coreName,
    }),
  });
  log.info({ rom: rom.title, sha1: rom.sha1, envs: local.slots(), map: map?.name ?? null, policy: local.policyName, fps: options.fps, speed: options.speed, encoder: local.encoder, format: local.format, core: local.coreName }, 'streaming');
  return { server: site.server, envs: [...local.envList], map, title: rom.title, recorder: site.recorder, stop: site.stop };
}
