/**
 * SM83 (Game Boy CPU) instruction encoder used by the demo assembler (see asm.ts).
 *
 * The SM83 opcode map is very regular, so instead of one big table this encodes from the
 * register/condition index tables below. Only the operand *shapes* decide the encoding and
 * size, never the values, which keeps the two-pass assembler simple (sizes are known in pass 1).
 */

/** A parsed instruction operand. Expressions stay as source text; `ctx` evaluates them. */
export type Operand =
  | { kind: 'reg'; name: string } // a b c d e h l af bc de hl sp
  | { kind: 'cond'; name: string } // nz z nc (the `c` condition arrives as reg c)
  | { kind: 'mem'; name: 'hl' | 'bc' | 'de' | 'hli' | 'hld' | 'c' } // [hl] [bc] [de] [hl+] [hl-] [c]
  | { kind: 'memimm'; expr: string } // [expr]
  | { kind: 'imm'; expr: string } // expr
  | { kind: 'spoff'; expr: string }; // sp+expr / sp-expr (ld hl, sp+e)

/** What the encoder needs from the assembler: the address and an expression evaluator. */
export interface EncodeContext {
  /** Address of the first byte of this instruction. */
  pc: number;
  /** Evaluate an expression; returns 0 for not-yet-defined symbols in pass 1. */
  value(expr: string): number;
  /** True in the final pass (range checks on relative jumps only apply then). */
  final: boolean;
}

export class EncodeError extends Error {}

/** 8-bit register operand index: b c d e h l [hl] a. */
const R8: Record<string, number> = { b: 0, c: 1, d: 2, e: 3, h: 4, l: 5, a: 7 };
/** 16-bit register pairs for ld/inc/dec/add hl. */
const R16: Record<string, number> = { bc: 0, de: 1, hl: 2, sp: 3 };
/** 16-bit register pairs for push/pop. */
const R16STK: Record<string, number> = { bc: 0, de: 1, hl: 2, af: 3 };
/** Jump conditions. */
const COND: Record<string, number> = { nz: 0, z: 1, nc: 2, c: 3 };
/** ALU operations: op a, src. */
const ALU: Record<string, number> = { add: 0, adc: 1, sub: 2, sbc: 3, and: 4, xor: 5, or: 6, cp: 7 };
/** CB-prefixed rotates and shifts. */
const CBROT: Record<string, number> = { rlc: 0, rrc: 1, rl: 2, rr: 3, sla: 4, sra: 5, swap: 6, srl: 7 };
/** CB-prefixed bit operations. */
const CBBIT: Record<string, number> = { bit: 0x40, res: 0x80, set: 0xc0 };
/** Instructions without operands. */
const IMPLIED: Record<string, number[]> = {
  nop: [0x00], halt: [0x76], stop: [0x10, 0x00], di: [0xf3], ei: [0xfb], daa: [0x27],
  cpl: [0x2f], scf: [0x37], ccf: [0x3f], rlca: [0x07], rrca: [0x0f], rla: [0x17], rra: [0x1f],
  reti: [0xd9],
};

/** All mnemonics the encoder knows (for "unknown mnemonic" errors). */
export const MNEMONICS = new Set<string>([
  ...Object.keys(IMPLIED), ...Object.keys(ALU), ...Object.keys(CBROT), ...Object.keys(CBBIT),
  'ld', 'ldh', 'ldi', 'ldd', 'inc', 'dec', 'jp', 'jr', 'call', 'ret', 'rst', 'push', 'pop',
]);

function describe(op: Operand): string {
  switch (op.kind) {
    case 'reg':
    case 'cond':
      return op.name;
    case 'mem':
      return `[${op.name === 'hli' ? 'hl+' : op.name === 'hld' ? 'hl-' : op.name}]`;
    case 'memimm':
      return `[${op.expr}]`;
    case 'imm':
      return op.expr;
    case 'spoff':
      return `sp+${op.expr}`;
  }
}

function bad(mn: string, ops: Operand[]): EncodeError {
  return new EncodeError(`invalid operands for ${mn}: ${ops.map(describe).join(', ') || '(none)'}`);
}

/** Index 0-7 of an 8-bit source/destination (b c d e h l [hl] a), or undefined. */
function r8(op: Operand | undefined): number | undefined {
  if (!op) return undefined;
  if (op.kind === 'reg') return R8[op.name];
  if (op.kind === 'mem' && op.name === 'hl') return 6;
  return undefined;
}

function reg(op: Operand | undefined, table: Record<string, number>): number | undefined {
  return op && op.kind === 'reg' ? table[op.name] : undefined;
}

function cond(op: Operand | undefined): number | undefined {
  if (!op) return undefined;
  if (op.kind === 'cond') return COND[op.name];
  if (op.kind === 'reg' && op.name === 'c') return COND.c;
  return undefined;
}

function isA(op: Operand | undefined): boolean {
  return op?.kind === 'reg' && op.name === 'a';
}

function imm8(ctx: EncodeContext, expr: string): number {
  const v = ctx.value(expr);
  if (v < -128 || v > 255) throw new EncodeError(`value ${v} (${expr}) does not fit in 8 bits`);
  return v & 0xff;
}

function imm16(ctx: EncodeContext, expr: string): number[] {
  const v = ctx.value(expr);
  if (v < -32768 || v > 0xffff) throw new EncodeError(`value ${v} (${expr}) does not fit in 16 bits`);
  return [v & 0xff, (v >> 8) & 0xff];
}

/** Signed 8-bit offset (add sp, e / ld hl, sp+e). */
function simm8(ctx: EncodeContext, expr: string): number {
  const v = ctx.value(expr);
  if (v < -128 || v > 127) throw new EncodeError(`offset ${v} (${expr}) out of range -128..127`);
  return v & 0xff;
}

/** High-page address for ldh: accepts $FF00-$FFFF or the low byte 0-$FF. */
function highPage(ctx: EncodeContext, expr: string): number {
  const v = ctx.value(expr);
  if (v >= 0xff00 && v <= 0xffff) return v - 0xff00;
  if (v >= 0 && v <= 0xff) return v;
  throw new EncodeError(`ldh address ${v} (${expr}) is not in $FF00-$FFFF`);
}

function encodeLd(mn: string, ops: Operand[], ctx: EncodeContext): number[] {
  const [dst, src] = ops;
  if (ops.length !== 2 || !dst || !src) throw bad(mn, ops);
  const d8 = r8(dst);
  const s8 = r8(src);
  if (d8 !== undefined && s8 !== undefined) {
    if (d8 === 6 && s8 === 6) throw bad(mn, ops); // that encoding is halt
    return [0x40 + d8 * 8 + s8];
  }
  if (d8 !== undefined && src.kind === 'imm') return [0x06 + d8 * 8, imm8(ctx, src.expr)];
  const d16 = reg(dst, R16);
  if (d16 !== undefined && src.kind === 'imm') return [0x01 + d16 * 16, ...imm16(ctx, src.expr)];
  if (dst.kind === 'reg' && dst.name === 'sp' && src.kind === 'reg' && src.name === 'hl') return [0xf9];
  if (dst.kind === 'reg' && dst.name === 'hl' && src.kind === 'spoff') return [0xf8, simm8(ctx, src.expr)];
  if (dst.kind === 'memimm' && src.kind === 'reg' && src.name === 'sp') return [0x08, ...imm16(ctx, dst.expr)];
  const memOps: Record<string, number> = { bc: 0x02, de: 0x12, hli: 0x22, hld: 0x32, c: 0xe2 };
  if (dst.kind === 'mem' && isA(src) && memOps[dst.name] !== undefined) return [memOps[dst.name]!];
  if (isA(dst) && src.kind === 'mem' && memOps[src.name] !== undefined) return [memOps[src.name]! + (src.name === 'c' ? 0x10 : 0x08)];
  if (dst.kind === 'memimm' && isA(src)) return [0xea, ...imm16(ctx, dst.expr)];
  if (isA(dst) && src.kind === 'memimm') return [0xfa, ...imm16(ctx, src.expr)];
  throw bad(mn, ops);
}

/** Encode one instruction. `mn` is lower-case; throws EncodeError on bad operands. */
export function encode(mn: string, ops: Operand[], ctx: EncodeContext): number[] {
  const [a, b] = ops;
  const implied = IMPLIED[mn];
  if (implied) {
    if (ops.length) throw bad(mn, ops);
    return implied;
  }
  switch (mn) {
    case 'ld':
      return encodeLd(mn, ops, ctx);
    case 'ldi': // ldi [hl], a  ==  ld [hl+], a
    case 'ldd': {
      const name = mn === 'ldi' ? 'hli' : 'hld';
      const fix = (op: Operand): Operand => (op.kind === 'mem' && op.name === 'hl' ? { kind: 'mem', name } : op);
      return encodeLd(mn, ops.map(fix), ctx);
    }
    case 'ldh': {
      if (ops.length === 2 && a?.kind === 'memimm' && isA(b)) return [0xe0, highPage(ctx, a.expr)];
      if (ops.length === 2 && isA(a) && b?.kind === 'memimm') return [0xf0, highPage(ctx, b.expr)];
      if (ops.length === 2 && a?.kind === 'mem' && a.name === 'c' && isA(b)) return [0xe2];
      if (ops.length === 2 && isA(a) && b?.kind === 'mem' && b.name === 'c') return [0xf2];
      throw bad(mn, ops);
    }
    case 'inc':
    case 'dec': {
      if (ops.length !== 1) throw bad(mn, ops);
      const i8 = r8(a);
      if (i8 !== undefined) return [(mn === 'inc' ? 0x04 : 0x05) + i8 * 8];
      const i16 = reg(a, R16);
      if (i16 !== undefined) return [(mn === 'inc' ? 0x03 : 0x0b) + i16 * 16];
      throw bad(mn, ops);
    }
    case 'push':
    case 'pop': {
      const q = ops.length === 1 ? reg(a, R16STK) : undefined;
      if (q === undefined) throw bad(mn, ops);
      return [(mn === 'push' ? 0xc5 : 0xc1) + q * 16];
    }
    case 'jp': {
      if (ops.length === 1 && a && ((a.kind === 'reg' && a.name === 'hl') || (a.kind === 'mem' && a.name === 'hl'))) return [0xe9];
      if (ops.length === 1 && a?.kind === 'imm') return [0xc3, ...imm16(ctx, a.expr)];
      const cc = cond(a);
      if (ops.length === 2 && cc !== undefined && b?.kind === 'imm') return [0xc2 + cc * 8, ...imm16(ctx, b.expr)];
      throw bad(mn, ops);
    }
    case 'call': {
      if (ops.length === 1 && a?.kind === 'imm') return [0xcd, ...imm16(ctx, a.expr)];
      const cc = cond(a);
      if (ops.length === 2 && cc !== undefined && b?.kind === 'imm') return [0xc4 + cc * 8, ...imm16(ctx, b.expr)];
      throw bad(mn, ops);
    }
    case 'jr': {
      const cc = ops.length === 2 ? cond(a) : undefined;
      const target = ops.length === 1 ? a : b;
      if (target?.kind !== 'imm' || (ops.length === 2 && cc === undefined) || ops.length > 2) throw bad(mn, ops);
      const dist = ctx.value(target.expr) - (ctx.pc + 2);
      if (ctx.final && (dist < -128 || dist > 127)) {
        throw new EncodeError(`jr target ${target.expr} out of range (distance ${dist}, must be -128..127)`);
      }
      return [cc === undefined ? 0x18 : 0x20 + cc * 8, dist & 0xff];
    }
    case 'ret': {
      if (ops.length === 0) return [0xc9];
      const cc = cond(a);
      if (ops.length === 1 && cc !== undefined) return [0xc0 + cc * 8];
      throw bad(mn, ops);
    }
    case 'rst': {
      const v = ops.length === 1 && a?.kind === 'imm' ? ctx.value(a.expr) : -1;
      if (v < 0 || v > 0x38 || v % 8 !== 0) throw bad(mn, ops);
      return [0xc7 + v];
    }
  }
  const alu = ALU[mn];
  if (alu !== undefined) {
    if (mn === 'add' && ops.length === 2 && a?.kind === 'reg' && a.name === 'hl') {
      const p = reg(b, R16);
      if (p === undefined) throw bad(mn, ops);
      return [0x09 + p * 16];
    }
    if (mn === 'add' && ops.length === 2 && a?.kind === 'reg' && a.name === 'sp' && b?.kind === 'imm') {
      return [0xe8, simm8(ctx, b.expr)];
    }
    // Both "add a, b" and the short "add b" forms are accepted.
    const src = ops.length === 2 && isA(a) ? b : ops.length === 1 ? a : undefined;
    const s8 = r8(src);
    if (s8 !== undefined) return [0x80 + alu * 8 + s8];
    if (src?.kind === 'imm') return [0xc6 + alu * 8, imm8(ctx, src.expr)];
    throw bad(mn, ops);
  }
  const rot = CBROT[mn];
  if (rot !== undefined) {
    const s8 = ops.length === 1 ? r8(a) : undefined;
    if (s8 === undefined) throw bad(mn, ops);
    return [0xcb, rot * 8 + s8];
  }
  const bitop = CBBIT[mn];
  if (bitop !== undefined) {
    const s8 = ops.length === 2 ? r8(b) : undefined;
    const n = a?.kind === 'imm' ? ctx.value(a.expr) : -1;
    if (s8 === undefined || n < 0 || n > 7) throw bad(mn, ops);
    return [0xcb, bitop + n * 8 + s8];
  }
  throw new EncodeError(`unknown mnemonic "${mn}"`);
}
