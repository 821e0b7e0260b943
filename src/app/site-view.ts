/**
 * What the site says about its sources, as pure functions of them: the hello (env list and
 * capabilities), `stats` totals, the shared `/api/health` fields, and which source owns an env.
 */
import { ErrorCode, EventCode } from '../protocol/constants.js';
import { GbsError } from '../protocol/errors.js';
import type { EnvCapabilities, HelloMessage, StatesMessage } from '../protocol/messages.js';
import type { RecordSink } from '../protocol/sink.js';
import type { ServerStatsSource } from '../server/server.js';
import type { EnvSource, SourceEnv } from '../sources/source.js';
import type { LatestFrames } from '../store/latest-frames.js';

/** The hello fields a site states itself: what it runs and how it streams. Envs and capabilities come from its sources. */
export type SiteHello = Omit<HelloMessage, 'control' | 'envs' | 'envList' | 'can'>;

/** Env slots of all sources (highest id + 1). */
export function slotsOf(sources: readonly EnvSource[]): number {
  return sources.reduce((n, s) => Math.max(n, s.slots()), 0);
}

export function envsOf(sources: readonly EnvSource[]): SourceEnv[] {
  return sources.flatMap((s) => s.envs()).sort((a, b) => a.env - b.env);
}

/** The capabilities hello states for envs it does not list: the first source with envs decides. */
export function defaultCan(sources: readonly EnvSource[]): EnvCapabilities {
  return (sources.find((s) => s.kind !== 'stream-wrappers') ?? sources[0])?.can ?? { input: false, emulatorSpeed: false, seek: false };
}

/**
 * The hello: `envList` only when envs differ from plain local envs 0..n-1 (a hub, publishers that
 * came, a recording of a hub), as viewers before capabilities expect.
 */
export function helloOf(base: SiteHello, sources: readonly EnvSource[]): Omit<HelloMessage, 'control'> {
  const envs = envsOf(sources);
  const count = slotsOf(sources);
  const plain = count > 0 && envs.length === count && envs.every((e, i) => e.env === i && e.source === 'local');
  return { ...base, envs: count, ...(!plain && { envList: envs }), can: defaultCan(sources) };
}

/** The source that owns `env`, or a NoSuchEnv error naming the envs there are. */
export function ownerOf(sources: readonly EnvSource[], env: number): EnvSource {
  const owner = sources.find((s) => s.envs().some((e) => e.env === env));
  if (owner) return owner;
  const count = slotsOf(sources);
  throw new GbsError(ErrorCode.NoSuchEnv, count === 0 ? `no env ${env}; this server has no envs yet` : `no env ${env}; this server runs envs 0–${count - 1}`);
}

/** Input for `env`, to the source that owns it; an env that takes none is refused with Unsupported. */
export function inputTo(sources: readonly EnvSource[], env: number, buttons: Parameters<NonNullable<EnvSource['input']>>[1], frames: number): Promise<void> {
  const owner = ownerOf(sources, env);
  if (!owner.input) return Promise.reject(new GbsError(ErrorCode.Unsupported, `env ${env} takes no input`));
  return owner.input(env, buttons, frames);
}

/** A command for `env`, to the source that owns it; an env that takes none is refused with Unsupported. */
export function commandTo(sources: readonly EnvSource[], env: number, name: string, args: Record<string, unknown>): void | Promise<void> {
  const owner = ownerOf(sources, env);
  if (!owner.command) throw new GbsError(ErrorCode.Unsupported, `env ${env} takes no commands`);
  return owner.command(env, name, args);
}

/**
 * A sink whose `GBS_ENVS_CHANGED` events list every source's envs (a source knows only its own:
 * publishers and other nodes come and go independently).
 */
export function withSiteEnvs(sink: RecordSink, sources: readonly EnvSource[]): RecordSink {
  return {
    frame: (record, message) => sink.frame(record, message),
    event: (message) => sink.event(message.code === EventCode.EnvsChanged ? { ...message, envs: envsOf(sources), count: slotsOf(sources) } : message),
    log: (record) => sink.log?.(record),
  };
}

/** `stats` totals: frames/s summed; emulator numbers averaged over envs that have an emulator here. */
export function totalsOf(sources: readonly EnvSource[], core: string | undefined): ServerStatsSource {
  const all = sources.flatMap((s) => s.stats());
  const emulated = sources.filter((s) => s.can.emulatorSpeed).flatMap((s) => s.stats());
  const avg = (k: 'emuFps' | 'speed') => (emulated.length ? emulated.reduce((n, s) => n + s[k], 0) / emulated.length : 0);
  const playback = sources.find((s) => s.playback)?.playback?.();
  return {
    fps: all.reduce((n, s) => n + s.fps, 0),
    emuFps: avg('emuFps'),
    // A replay's speed is its playback speed (what its speed selector shows).
    speed: playback ? playback.speed : avg('speed'),
    core,
    envs: all,
    playback,
  };
}

/**
 * Per-env numbers for `/api/health`: an env without an emulator here reports its state rate as
 * `stateFps`, not as an emulator speed.
 */
export function envHealthOf(sources: readonly EnvSource[]): Array<Record<string, unknown>> {
  return sources
    .flatMap((s) => s.stats().map((n) => (s.can.emulatorSpeed ? { ...n } : { env: n.env, fps: n.fps, published: n.published, ...(s.kind === 'publishers' && { stateFps: n.emuFps }) })))
    .sort((a, b) => (a['env'] as number) - (b['env'] as number));
}

/** Latest state of every env: what sources hold newer than their frames, else the latest frame's. */
export function statesOf(sources: readonly EnvSource[], latest: LatestFrames): StatesMessage['envs'] {
  const out = new Map<number, StatesMessage['envs'][number]>();
  for (const env of latest.envs()) {
    const f = latest.get(env)!;
    out.set(env, { env, frame: f.frame, ts: f.ts, state: f.state });
  }
  for (const s of sources) for (const state of s.states?.() ?? []) out.set(state.env, state);
  return [...out.values()].sort((a, b) => a.env - b.env);
}
