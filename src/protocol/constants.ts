/** Wire constants for protocol v1. Browser-safe: no Node imports. */

export const PROTOCOL_VERSION = 1;

/** Bytes in the big-endian length prefix of every record. */
export const LENGTH_PREFIX_BYTES = 4;

/**
 * Largest record body a reader accepts by default. A 160×144 JPEG at quality 100 is ~20 KiB and a
 * 4×4 mosaic ~300 KiB; 16 MiB leaves room for raw-pixel observations and still refuses a
 * garbage length prefix (which reads as up to 4 GiB) before buffering it.
 */
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Largest client → server WebSocket message; clients only send small control records. */
export const MAX_CLIENT_MESSAGE_BYTES = 4 * 1024;

/**
 * Largest publisher → server WebSocket message. A raw RGBA Game Boy frame is 92,160 bytes; 1 MiB
 * holds a batch of them or one larger frame, and is still small enough to buffer per publisher.
 */
export const MAX_PUBLISHER_MESSAGE_BYTES = 1024 * 1024;

/** WebSocket subprotocol a publisher offers; such connections get the publisher's message limit. */
export const PUBLISHER_SUBPROTOCOL = 'gbstream.publish.v1';

/** Frames per second of a subscription's `thumbs` when it names no `thumbFps`. */
export const DEFAULT_THUMB_FPS = 2;

/**
 * Largest message from a client with control rights: a `reset` may carry saved machine states
 * (serverboy's are ~290 KB). Clients without control keep the 4 KiB limit.
 */
export const MAX_AGENT_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Game Boy screen size. */
export const SCREEN_WIDTH = 160;
export const SCREEN_HEIGHT = 144;

/** Machine-readable error codes, carried by `GbsError.code` and by `error` records. */
export const ErrorCode = {
  /** Length prefix is zero or larger than the reader's limit. */
  BadLength: 'GBS_ERR_BAD_LENGTH',
  /** Record body is not valid msgpack. */
  BadMsgpack: 'GBS_ERR_BAD_MSGPACK',
  /** Record body decodes, but not to a map. */
  NotAMap: 'GBS_ERR_NOT_A_MAP',
  /** Map has no string `type`. */
  NoType: 'GBS_ERR_NO_TYPE',
  /** `type` is not one this peer understands. */
  UnknownType: 'GBS_ERR_UNKNOWN_TYPE',
  /** A known type with a missing or wrongly typed field. */
  BadField: 'GBS_ERR_BAD_FIELD',
  /** A WebSocket message that ends inside a record. */
  Truncated: 'GBS_ERR_TRUNCATED',
  /** A text WebSocket frame; the protocol is binary only. */
  TextFrame: 'GBS_ERR_TEXT_FRAME',
  /** `hello.protocol` is a version this peer does not speak. */
  UnsupportedVersion: 'GBS_ERR_UNSUPPORTED_VERSION',
  /** `input`/`command` without control rights. */
  ControlDenied: 'GBS_ERR_CONTROL_DENIED',
  /** The client sends messages faster than its rate limit. */
  RateLimited: 'GBS_ERR_RATE_LIMITED',
  /** The env is driven by another agent. */
  EnvBusy: 'GBS_ERR_ENV_BUSY',
  /** Too many failed auths from this address lately: refused for a while, whatever the token. */
  AuthBlocked: 'GBS_ERR_AUTH_BLOCKED',
  /** The env's worker is gone. */
  EnvCrashed: 'GBS_ERR_ENV_CRASHED',
  /** No such env. */
  NoSuchEnv: 'GBS_ERR_NO_SUCH_ENV',
  /** A well-formed request this server does not support (yet). */
  Unsupported: 'GBS_ERR_UNSUPPORTED',
  /** The recorder stopped: the disk failed or could not keep up. The stream carries on. */
  RecordFailed: 'GBS_ERR_RECORD_FAILED',
  /** The emulator core faulted (illegal opcode, a core that stopped); it runs again after reset. */
  EmulatorFault: 'GBS_ERR_EMULATOR_FAULT',
  /** Publishing a frame failed (state read, pixel copy, encoder); the frame was skipped. */
  FrameFailed: 'GBS_ERR_FRAME_FAILED',
  /** A server resource is at its cap (e.g. MJPEG readers); retry later. */
  Busy: 'GBS_ERR_BUSY',
  /** A file that is missing, empty, or does not start with a `hello` record. */
  NotARecording: 'GBS_ERR_NOT_A_RECORDING',
  /** Something failed that the request could not have caused (a bug): see the server log. */
  Internal: 'GBS_ERR_INTERNAL',
  /** HTTP: no API at this path. */
  NotFound: 'GBS_ERR_NOT_FOUND',
  /** HTTP: the env has published no frame yet. */
  NoFrame: 'GBS_ERR_NO_FRAME',
  /** The native JPEG addon refused its arguments (checked before libjpeg runs; native/src/jpeg_encoder.c). */
  NativeArg: 'GBS_ERR_NATIVE_ARG',
  /** libjpeg failed inside the native addon. */
  NativeEncode: 'GBS_ERR_NATIVE_ENCODE',
  /** An encoder got pixels that do not match width × height × channels, or a size out of range. */
  EncodeArg: 'GBS_ERR_ENCODE_ARG',
  /** An encoder failed on valid input (out of memory, a zlib error). */
  EncodeFailed: 'GBS_ERR_ENCODE_FAILED',
  /** A libretro core was used after close() (native/src/libretro_frontend.c). */
  CoreClosed: 'GBS_ERR_CORE_CLOSED',
  /** A libretro core cannot save its state (size 0), or failed to (native/src/libretro_frontend.c). */
  CoreSave: 'GBS_ERR_CORE_SAVE',
  /** A published frame or announced size that does not match (bytes ≠ width × height × channels). */
  BadSize: 'GBS_ERR_BAD_SIZE',
  /** A published frame in a format the server does not take, or a "jpeg" that is not one. */
  BadFormat: 'GBS_ERR_BAD_FORMAT',
  /** An announce over the per-publisher or per-server env cap. */
  TooManyEnvs: 'GBS_ERR_TOO_MANY_ENVS',
  /** A message over the size limit. */
  TooLarge: 'GBS_ERR_TOO_LARGE',
  /** `pub_frame`/`pub_state` before `announce`, or a second `announce`. */
  NotAnnounced: 'GBS_ERR_NOT_ANNOUNCED',
  /** Client side (python/gbstream): the connection closed, or never opened, before an answer came. */
  ConnectionClosed: 'GBS_ERR_CONNECTION_CLOSED',
  /** A re-run of an input log drew a different picture than the one recorded at a checkpoint. */
  Desync: 'GBS_ERR_DESYNC',
  /** Client side (python/gbstream): no answer within the client's timeout. */
  Timeout: 'GBS_ERR_TIMEOUT',
  /** A ROM's map data that points outside the ROM or holds impossible values (src/map/rom/). */
  MapRomData: 'GBS_ERR_MAP_ROM_DATA',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Codes of configuration errors (`ConfigError`): a bad ROM, map, script, option or file. The CLI
 * prints the message and exits 1; nobody branches on them, so call sites write the string and
 * the compiler checks it is one of these.
 */
export const CONFIG_ERROR_CODES = [
  // a ROM file
  'GBS_ERR_ROM_NOT_FOUND', 'GBS_ERR_ROM_IS_DIR', 'GBS_ERR_ROM_UNREADABLE', 'GBS_ERR_ROM_EMPTY',
  'GBS_ERR_ROM_TOO_SMALL', 'GBS_ERR_ROM_BAD_SIZE', 'GBS_ERR_ROM_CHECKSUM',
  // a memory map or button script
  'GBS_ERR_MAP_UNREADABLE', 'GBS_ERR_MAP_INVALID', 'GBS_ERR_SCRIPT_UNREADABLE', 'GBS_ERR_SCRIPT_INVALID',
  // a world-map layout or background picture (the Map view)
  'GBS_ERR_LAYOUT_UNREADABLE', 'GBS_ERR_LAYOUT_INVALID', 'GBS_ERR_MAP_BACKGROUND', 'GBS_ERR_MAP_ROM',
  // what runs it
  'GBS_ERR_ENCODER_UNKNOWN', 'GBS_ERR_ENCODER_UNAVAILABLE', 'GBS_ERR_CORE_UNKNOWN', 'GBS_ERR_CORE_LOAD', 'GBS_ERR_CORE_REFUSED', 'GBS_ERR_ENVS',
  // files and the network
  'GBS_ERR_RECORD', 'GBS_ERR_EMPTY_RECORDING', 'GBS_ERR_EXPORT', 'GBS_ERR_PORT_IN_USE', 'GBS_ERR_LISTEN',
  // a cluster (NATS): bad URL, node name or credentials, unreachable server
  'GBS_ERR_CLUSTER',
  // re-running an input log, and video export
  'GBS_ERR_ROM_MISMATCH', 'GBS_ERR_NO_INPUT_LOG', 'GBS_ERR_NO_SUCH_EPISODE', 'GBS_ERR_FFMPEG_MISSING',
] as const;

export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

/** Codes of `event` records that are news, not errors (errors carry an ErrorCode). */
export const EventCode = {
  /** An env was reset to power-on. */
  Reset: 'GBS_RESET',
  /** A replay reached the end of its recording. */
  ReplayEnd: 'GBS_REPLAY_END',
  /** A rotated recording name existed already (an earlier run's file, kept); the next one is used. */
  RecordRenamed: 'GBS_RECORD_RENAMED',
  /** The set of envs changed (a publisher came or went); `event.envs` lists them all. */
  EnvsChanged: 'GBS_ENVS_CHANGED',
  /** An input-log replay re-rendered a picture that differs from a recorded checkpoint (the message names env and frame). */
  Desync: 'GBS_DESYNC',
  /** An input-log replay's core faulted while re-running an env. */
  ReplayFault: 'GBS_REPLAY_FAULT',
  /** The cluster's NATS server went away: this node serves its own envs only until it is back. */
  ClusterDown: 'GBS_CLUSTER_DOWN',
  /** The cluster's NATS server is back: remote envs return. */
  ClusterUp: 'GBS_CLUSTER_UP',
} as const;

export type EventCode = (typeof EventCode)[keyof typeof EventCode];
