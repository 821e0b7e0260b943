/**
 * gbstream's library API: the stages, usable alone, and the composition roots (`serve`, `replay`, `startHub`).
 * No CLI code: the `gbstream` command lives in cli/ and is not exported. A client that only speaks
 * the protocol imports `gbstream/protocol` instead.
 */
export * from './protocol/index.js';
export { frameRecord } from './protocol/frame-record.js';
export { fanOut, type RecordSink } from './protocol/sink.js';
export { ServerboyEmulator } from './emulator/serverboy.js';
export { EmulatorFault, GB_FRAME_RATE } from './emulator/emulator.js';
export type { Emulator, EmulatorInfo } from './emulator/emulator.js';
export { createEmulator } from './emulator/create-emulator.js';
export { LibretroEmulator, type LibretroOptions } from './emulator/libretro.js';
export { chooseCore, type CoreChoice, type ResolvedCore } from './emulator/core-choice.js';
export { findCore, coreDirs, resolveCore } from './emulator/core-path.js';
export { Sampler } from './sampler/sampler.js';
export { SharpEncoder } from './encode/sharp-encoder.js';
export { NativeEncoder } from './encode/native-encoder.js';
export { selectEncoder } from './encode/select-encoder.js';
export type { FrameEncoder, EncoderOptions } from './encode/encoder.js';
export { Broadcaster } from './server/broadcaster.js';
export { shouldSend, highWaterFor } from './server/backpressure.js';
export { startServer } from './server/server.js';
export { Pipeline } from './pipeline.js';
export { loadMemoryMap, parseMemoryMap } from './state/memory-map.js';
export { readState, readField } from './state/read-state.js';
export { loadRomFile, checkRom } from './rom/load.js';
export { parseHeader, headerChecksum } from './rom/header.js';
export { ConfigError } from './config-error.js';
export { serve } from './app/serve.js';
export { Recorder } from './record/recorder.js';
export { startRecorder } from './record/start-recorder.js';
export { openRecording, buildIndex } from './record/index.js';
export { readRecordings, fileByteSource, memoryByteSource } from './record/file-reader.js';
export { exportPngs, writeContactSheet } from './record/export.js';
export { LocalEnv } from './envs/local-env.js';
export { WorkerEnv } from './envs/worker-env.js';
export type { Env, Observation, EnvStats } from './envs/env.js';
export { AgentHost } from './agent/agent-host.js';
export { Player } from './replay/player.js';
export { replay } from './app/replay.js';
export { startHub } from './app/hub.js';
export { startSite, type Site, type SiteOptions } from './app/site.js';
export type { EnvSource, SiteContext, SourceEnv, SourceEndpoint, EnvNumbers, WholeSite } from './sources/source.js';
export { openLocalEnvs, LocalSource } from './sources/local-source.js';
export { PublisherSource } from './sources/publisher-source.js';
export { StreamWrapperSource } from './sources/stream-wrapper-source.js';
export { openRecordingSource, RecordingSource } from './sources/recording-source.js';
export { ClusterSource } from './cluster/cluster-source.js';
export { joinCluster, type ClusterOptions } from './cluster/join.js';
export { Hub } from './hub/hub.js';
export { demandFor } from './hub/demand.js';
export { prepareFrame } from './hub/raw-frame.js';
export { parseLayout, loadLayout, toGlobal, layoutPath } from './map/layout.js';
export type { MapLayout, MapRegion, GlobalPoint } from './map/layout.js';
export { MapPositions } from './map/positions.js';
export { parseWrapperMessage } from './map/wrapper-message.js';
export type { WrapperMessage } from './map/wrapper-message.js';
export { BroadcastEndpoint, broadcastAccess } from './server/broadcast-endpoint.js';
