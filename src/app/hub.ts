/**
 * `gbstream hub` (and the library's `startHub()`): the site with publishers only — trainers
 * running their own emulators elsewhere — and `/broadcast` agents. Published envs go through the
 * same fan-out local envs use, so viewers, the recorder, replay, `/api/*`, MJPEG and metrics
 * treat them alike. See site.ts for what the site owns.
 */
import { joinCluster, type ClusterOptions } from '../cluster/join.js';
import type { EncoderKind } from '../encode/select-encoder.js';
import { DEFAULT_MAX_PUBLISHED_ENVS } from '../hub/env-table.js';
import type { Hub } from '../hub/hub.js';
import type { Logger } from '../log.js';
import { PROTOCOL_VERSION, SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import type { FrameFormat, RomInfo } from '../protocol/messages.js';
import type { RecordSpec } from '../record/start-recorder.js';
import { authFailuresOf, type ControlPolicy } from '../server/control.js';
import { StreamWrapperSource } from '../sources/stream-wrapper-source.js';
import { PublisherSource } from '../sources/publisher-source.js';
import { loadRomFile } from '../rom/load.js';
import { loadMemoryMap } from '../state/memory-map.js';
import { VERSION } from '../version.js';
import { startSite, type SiteHandle } from './site.js';

/** What `hello.rom` says on a hub: there is no ROM of its own. */
export const HUB_ROM: RomInfo = { title: 'hub', cgb: 'dmg', cartridgeType: 0, cartridgeName: 'none (published envs)', size: 0, sha1: '', headerChecksumOk: true };

export interface HubServeOptions {
  port: number;
  host: string;
  /** Frames per second asked of publishers for watched envs (and by the recorder). */
  fps: number;
  /** JPEG quality for raw frames. */
  quality: number;
  encoder?: EncoderKind;
  /** Image format raw frames are encoded to; default jpeg. */
  format?: FrameFormat;
  /** State rate asked of publishers for envs nobody watches. */
  stateFps?: number;
  /** Published envs held at most (live or gone). */
  maxEnvs?: number;
  log: Logger;
  webRoot?: string;
  control?: ControlPolicy;
  allowOrigins?: readonly string[];
  record?: RecordSpec;
  /** Publisher heartbeat: a publisher that misses a pong this long is cut off (tests shorten it). */
  heartbeatMs?: number;
  /**
   * A memory map whose `position` declaration names the fields publishers send in their state
   * (`--map FILE`): their envs then appear on the Map view.
   */
  map?: string;
  /** A Pokémon Red/Blue/Yellow ROM to draw the Map view's background from (`--map-rom`). */
  mapRom?: string;
  /** Where that background is cached. */
  cacheDir?: string;
  /** Join a cluster: other nodes' envs appear here, this hub's there (docs/cluster.md). */
  cluster?: ClusterOptions;
}

export interface HubServing extends SiteHandle {
  hub: Hub;
}

export async function startHub(options: HubServeOptions): Promise<HubServing> {
  const { log } = options;
  const control = options.control ?? { mode: 'off' };
  const map = options.map === undefined ? undefined : await loadMemoryMap(options.map);
  const mapRom = options.mapRom === undefined ? undefined : await loadRomFile(options.mapRom);
  const { heartbeatMs, cluster: _cluster, ...siteOptions } = options;
  // Remote envs are numbered after the publishers' whole range (--max-envs).
  const cluster = options.cluster && (await joinCluster(options.cluster, { firstEnv: options.maxEnvs ?? DEFAULT_MAX_PUBLISHED_ENVS, control, fps: options.fps, log }));
  let publishers: PublisherSource;
  let encoder: string;
  try {
    publishers = new PublisherSource({ ...options, firstEnv: 0, encoder: options.encoder ?? 'auto', control });
    encoder = publishers.encoderName;
  } catch (err) {
    await cluster?.close();
    throw err;
  }
  const sources = [publishers, new StreamWrapperSource({ host: options.host, token: control.mode === 'token' ? control.token : undefined, failures: authFailuresOf(control), log }), ...(cluster ? [cluster] : [])];
  const site = await startSite({
    ...siteOptions,
    control,
    sources,
    map: { live: { memoryMap: map, rom: mapRom && { bytes: mapRom.bytes, sha1: mapRom.info.sha1 }, cacheDir: options.cacheDir } },
    hello: () => ({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      server: `gbstream ${VERSION}`,
      site: { kind: 'hub', name: 'hub' },
      rom: HUB_ROM,
      fps: options.fps,
      width: SCREEN_WIDTH,
      height: SCREEN_HEIGHT,
      speed: 1,
      map: map?.name ?? null,
      fields: map ? Object.keys(map.fields) : [],
      encoder,
      format: options.format ?? 'jpeg',
    }),
  });
  log.info({ fps: options.fps, stateFps: options.stateFps, encoder, control: control.mode }, 'hub waiting for publishers');
  return { server: site.server, hub: publishers.hub, recorder: site.recorder, stop: site.stop };
}
