/**
 * Local envs as a source: emulators in this process (one env) or on a pool of worker threads
 * (several), made by envs/create-envs.ts. They take input and commands from clients with control
 * rights, run agents in lockstep (AgentHost), and have an emulator speed. `openLocalEnvs` does
 * everything that can fail (ROM, memory map, core, policy, threads) before the site starts.
 */
import { AgentHost } from '../agent/agent-host.js';
import { ConfigError } from '../config-error.js';
import { chooseCore } from '../emulator/core-choice.js';
import { checkCore } from '../emulator/create-emulator.js';
import type { Speed } from '../emulator/pacer.js';
import type { EncoderKind } from '../encode/select-encoder.js';
import { createEnvs, MAX_ENVS } from '../envs/create-envs.js';
import type { InputLogSetup } from '../envs/local-env.js';
import type { Env } from '../envs/env.js';
import type { Logger } from '../log.js';
import { DEMO_ROM_PATH, MAPS_DIR } from '../paths.js';
import type { PolicySpec } from '../policy/spec.js';
import { SCREEN_HEIGHT, SCREEN_WIDTH } from '../protocol/constants.js';
import type { Button, FrameFormat, RomInfo } from '../protocol/messages.js';
import { loadRomFile } from '../rom/load.js';
import { findMapForTitle, loadMemoryMap, type MemoryMap } from '../state/memory-map.js';
import { LateSink } from './late-sink.js';
import { LOCAL_CAN, type EnvNumbers, type EnvSource, type SiteContext, type SourceEnv } from './source.js';

export interface LocalEnvsOptions {
  /** ROM file; default the embedded demo. */
  rom?: string;
  /** Memory map file; default a bundled map whose titles match the ROM. */
  map?: string;
  /** How many envs; more than one run in worker threads. Default 1. */
  envs?: number;
  /** Run a single env in a worker thread too (`--env-thread`). */
  envThread?: boolean;
  fps: number;
  quality: number;
  speed: Speed;
  policy: PolicySpec;
  seed: number;
  force: boolean;
  sound: boolean;
  encoder?: EncoderKind;
  /** auto, serverboy, a libretro core name, or a core file. */
  core?: string;
  format?: FrameFormat;
  log: Logger;
  /** Every env keeps an input log (start state, buttons per frame, checkpoints) for the recorder. */
  inputLog?: InputLogSetup;
}

/** @throws ConfigError for a bad env count, ROM, memory map, core, policy or encoder. */
export async function openLocalEnvs(o: LocalEnvsOptions): Promise<LocalSource> {
  const { log } = o;
  const count = o.envs ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_ENVS) {
    throw new ConfigError('GBS_ERR_ENVS', `Expected \`envs\` to be an integer 1–${MAX_ENVS}, got \`${count}\`.`);
  }
  const rom = await loadRomFile(o.rom ?? DEMO_ROM_PATH, { force: o.force });
  if (!rom.info.headerChecksumOk) log.warn({ rom: rom.path }, 'header checksum is wrong; running anyway (--force)');
  const map = o.map ? await loadMemoryMap(o.map) : await findMapForTitle(MAPS_DIR, rom.info.title);
  const { choice: core, fallback } = chooseCore(o.core ?? 'auto');
  if (fallback !== undefined) log.info(`--core auto: ${fallback}`);
  // One load on this thread first: a core that does not load or refuses the ROM is one clear
  // error before any env or worker starts, and the core's name is known for hello.
  const coreName = await checkCore(rom.bytes, core);
  const out = new LateSink();
  let site: SiteContext | undefined;
  const made = await createEnvs({
    count,
    rom: rom.bytes,
    map,
    policy: o.policy,
    seed: o.seed,
    encoder: o.encoder ?? 'auto',
    core,
    format: o.format,
    quality: o.quality,
    fps: o.fps,
    speed: o.speed,
    sound: o.sound,
    log,
    observeEncode: (seconds) => site?.observeEncode(seconds),
    output: out,
    inputLog: o.inputLog,
    envThread: o.envThread,
  });
  return new LocalSource({ ...made, rom: rom.info, romBytes: rom.bytes, map, coreName, out, bind: (s) => (site = s) });
}

export interface LocalSourceParts {
  envs: Env[];
  rom: RomInfo;
  /** The ROM itself (the Map view draws its background from a Pokémon ROM's map data). */
  romBytes: Uint8Array;
  map: MemoryMap | undefined;
  coreName: string;
  encoder: string;
  format: FrameFormat;
  policyName: string;
  out: LateSink;
  bind(site: SiteContext): void;
}

export class LocalSource implements EnvSource {
  readonly kind = 'local';
  readonly can = LOCAL_CAN;
  readonly envList: readonly Env[];
  readonly agents: AgentHost;
  readonly rom: RomInfo;
  readonly romBytes: Uint8Array;
  readonly map: MemoryMap | undefined;
  readonly coreName: string;
  readonly encoder: string;
  readonly format: FrameFormat;
  readonly policyName: string;
  readonly #parts: LocalSourceParts;

  constructor(parts: LocalSourceParts) {
    this.#parts = parts;
    this.envList = parts.envs;
    this.agents = new AgentHost(parts.envs);
    this.rom = parts.rom;
    this.romBytes = parts.romBytes;
    this.map = parts.map;
    this.coreName = parts.coreName;
    this.encoder = parts.encoder;
    this.format = parts.format;
    this.policyName = parts.policyName;
  }

  envs(): SourceEnv[] {
    return this.envList.map((e) => ({ env: e.id, label: `env ${e.id}`, source: 'local', live: true, width: SCREEN_WIDTH, height: SCREEN_HEIGHT, can: LOCAL_CAN }));
  }

  slots(): number {
    return this.envList.length;
  }

  start(site: SiteContext): void {
    this.#parts.bind(site);
    this.#parts.out.bind(site.sink);
    for (const env of this.envList) env.start();
  }

  input(env: number, buttons: readonly Button[], frames: number): Promise<void> {
    return this.envList[env]!.input(buttons, frames);
  }

  command(env: number, name: string, args: Record<string, unknown>): Promise<void> {
    return this.envList[env]!.command(name, args);
  }

  /** Every env's numbers (with `paused` and `lockstep`, which /api/health shows). */
  stats(): Array<EnvNumbers & Record<string, unknown>> {
    return this.envList.map((e) => ({ ...e.stats() }));
  }

  async close(): Promise<void> {
    await Promise.all(this.envList.map((e) => e.stop()));
  }
}
