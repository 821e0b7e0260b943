/**
 * Loading a ROM file with the checks a user needs to hear about in one clear line.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { ConfigError } from '../config-error.js';
import type { RomInfo } from '../protocol/messages.js';
import { HEADER_CHECKSUM, headerChecksum, parseHeader } from './header.js';

export const MIN_ROM_BYTES = 32 * 1024;
export const ROM_BANK_BYTES = 16 * 1024;

export interface LoadedRom {
  bytes: Uint8Array;
  info: RomInfo;
  path: string;
}

export interface LoadRomOptions {
  /** Run a ROM whose header checksum is wrong. */
  force?: boolean;
}

/** Reads and checks a ROM file. @throws ConfigError with a GBS_ERR_ROM_* code. */
export async function loadRomFile(path: string, options: LoadRomOptions = {}): Promise<LoadedRom> {
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new ConfigError('GBS_ERR_ROM_IS_DIR', `ROM path "${path}" is a directory, not a ROM file`);
    size = st.size;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError('GBS_ERR_ROM_NOT_FOUND', `ROM file "${path}" does not exist`);
    throw new ConfigError('GBS_ERR_ROM_UNREADABLE', `cannot read ROM file "${path}": ${(err as Error).message}`);
  }
  if (size === 0) throw new ConfigError('GBS_ERR_ROM_EMPTY', `ROM file "${path}" is empty`);
  const bytes = new Uint8Array(await readFile(path));
  return checkRom(bytes, path, options);
}

/** Checks ROM bytes already in memory. @throws ConfigError with a GBS_ERR_ROM_* code. */
export function checkRom(bytes: Uint8Array, path: string, options: LoadRomOptions = {}): LoadedRom {
  if (bytes.byteLength === 0) throw new ConfigError('GBS_ERR_ROM_EMPTY', `ROM file "${path}" is empty`);
  if (bytes.byteLength < MIN_ROM_BYTES) {
    throw new ConfigError(
      'GBS_ERR_ROM_TOO_SMALL',
      `ROM file "${path}" is ${bytes.byteLength} bytes; a Game Boy ROM is at least ${MIN_ROM_BYTES} bytes (32 KiB)`,
    );
  }
  if (bytes.byteLength % ROM_BANK_BYTES !== 0) {
    throw new ConfigError(
      'GBS_ERR_ROM_BAD_SIZE',
      `ROM file "${path}" is ${bytes.byteLength} bytes, not a multiple of 16 KiB (${ROM_BANK_BYTES}); is it a ROM?`,
    );
  }
  const header = parseHeader(bytes);
  if (!header.headerChecksumOk && !options.force) {
    const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
    throw new ConfigError(
      'GBS_ERR_ROM_CHECKSUM',
      `ROM file "${path}" has a bad header checksum (header says ${hex(bytes[HEADER_CHECKSUM]!)}, computed ${hex(headerChecksum(bytes))}); pass --force to run it anyway`,
    );
  }
  const sha1 = createHash('sha1').update(bytes).digest('hex');
  return { bytes, path, info: { ...header, size: bytes.byteLength, sha1 } };
}
