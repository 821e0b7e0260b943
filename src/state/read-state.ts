/**
 * Reads game-state fields through the memory bus. Pure given the bus: no emulator import.
 */
import type { GameState } from '../protocol/messages.js';
import type { FieldSpec, MemoryMap } from './memory-map.js';

/** What the reader needs from the emulator. */
export interface MemoryBus {
  readByte(address: number): number;
  readWramBank(bank: number, address: number): number;
}

function byteAt(bus: MemoryBus, spec: FieldSpec, offset: number): number {
  const address = (spec.address + offset) & 0xffff;
  return spec.bank === undefined ? bus.readByte(address) : bus.readWramBank(spec.bank, address);
}

function popcount(n: number): number {
  let c = 0;
  for (let v = n; v; v &= v - 1) c++;
  return c;
}

/** Decodes one field. BCD digits above 9 are read as they are (garbage in, visible garbage out). */
export function readField(bus: MemoryBus, spec: FieldSpec): number {
  const b = (i: number) => byteAt(bus, spec, i);
  switch (spec.type) {
    case 'u8':
      return b(0);
    case 'i8':
      return (b(0) << 24) >> 24;
    case 'u16le':
      return b(0) | (b(1) << 8);
    case 'u16be':
      return (b(0) << 8) | b(1);
    case 'u24be':
      return (b(0) << 16) | (b(1) << 8) | b(2);
    case 'bcd': {
      let value = 0;
      for (let i = 0; i < (spec.length ?? 1); i++) {
        const v = b(i);
        value = value * 100 + (v >> 4) * 10 + (v & 0x0f);
      }
      return value;
    }
    case 'bitcount': {
      let count = 0;
      for (let i = 0; i < (spec.length ?? 1); i++) count += popcount(b(i));
      return count;
    }
    default: {
      const never: never = spec.type;
      throw new Error(`unknown field type ${String(never)}`);
    }
  }
}

/** Reads every field of `map` into a state object, in map order. */
export function readState(bus: MemoryBus, map: MemoryMap | undefined): GameState {
  const state: GameState = {};
  if (!map) return state;
  for (const [name, spec] of Object.entries(map.fields)) state[name] = readField(bus, spec);
  return state;
}
