/**
 * Option parsers for the CLI. Each refuses a bad value with a message that quotes it
 * (commander prefixes: "option '--fps <n>' argument '0' is invalid.").
 */
import { InvalidArgumentError } from 'commander';
import { MAX_SPEED, type Speed } from '../emulator/pacer.js';
import type { PolicySpec } from '../policy/spec.js';

function fail(name: string, expected: string, value: string): never {
  throw new InvalidArgumentError(`Expected \`${name}\` to be ${expected}, got \`${value}\`.`);
}

function intIn(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*-?\d+\s*$/.test(value) || !Number.isInteger(n) || n < min || n > max) fail(name, `an integer ${min}–${max}`, value);
    return n;
  };
}

export const parsePort = intIn('port', 0, 65535);
export const parseQuality = intIn('quality', 1, 100);
export const parseSeed = intIn('seed', 0, 2 ** 32 - 1);
export const parseEnvs = intIn('envs', 1, 64);
export const parseMaxEnvs = intIn('max-envs', 1, 4096);

export function parseFps(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 1 || n > 60) fail('fps', 'a number 1–60', value);
  return n;
}

export function parseSpeed(value: string): Speed {
  if (value === 'max') return 'max';
  const n = Number(value.replace(/x$/i, ''));
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > MAX_SPEED) fail('speed', `a multiplier above 0 and at most ${MAX_SPEED} (1 = real time) or "max"`, value);
  return n;
}

export function parseHost(value: string): string {
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(value)) fail('host', 'a host name or IP address', value);
  return value.replace(/^\[(.*)\]$/, '$1');
}

export function parsePolicy(value: string): PolicySpec {
  if (value === 'idle') return { kind: 'idle' };
  if (value === 'random') return { kind: 'random' };
  if (value.startsWith('script:') && value.length > 'script:'.length) return { kind: 'script', file: value.slice('script:'.length) };
  return fail('policy', '"idle", "random" or "script:FILE"', value);
}

export function parseToken(value: string): string {
  if (value.length < 8 || value.length > 256) fail('control-token', 'a string of 8–256 characters', value.length > 20 ? `${value.slice(0, 4)}…` : value);
  return value;
}

/** Whether `--host` binds every interface (then a missing control token deserves a warning). */
export function isAllInterfaces(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}
