/**
 * `gbstream/protocol`: everything a client needs to speak protocol v1 — message types, constants
 * and error codes, the record codec and the streaming reader — and nothing else. It loads only
 * @msgpack/msgpack: no emulator, encoder, WebSocket library, logger or CLI (a test checks).
 *
 *   import { RecordReader, encodeRecord } from 'gbstream/protocol';
 */
export * from './constants.js';
export * from './close-codes.js';
export { GbsError } from './errors.js';
export type * from './messages.js';
export { BUTTONS } from './messages.js';
export { encodeRecord, decodeRecords, decodeBody } from './record.js';
export { RecordReader, type ReaderOptions } from './reader.js';
export { INPUT_LOG_TYPES, buttonMask, maskButtons, encodeRuns, decodeRuns, runFrames, parseInputLog, isInputLogType, type Run } from './input-log.js';
