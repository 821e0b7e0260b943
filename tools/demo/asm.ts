/**
 * A small two-pass SM83 (Game Boy CPU) assembler, just big enough for the embedded demo ROM.
 *
 * Syntax (rgbds-like subset):
 *   label:  /  .local:          labels; `.local` is scoped to the previous global label
 *   NAME EQU expr / DEF NAME EQU expr
 *   SECTION "name", ROM0[$150]  or  org $150     place following code at an address
 *   db 1, $02, "text"  dw $1234, `01233210  ds count[, fill]
 *   ld a, [hl+]  ldh [$FF40], a  jr nz, .loop  ...   (see opcodes.ts for instructions)
 *   ; comment
 * Numbers: 123, $FF, 0xFF, %1010, 0b1010, 'A'. Operators: + - * / & | ^ ~ << >> ( ) LOW() HIGH().
 * `\`01233210` is a 2bpp pixel row (8 pixels, colours 0-3) as a 16-bit value: use with dw.
 */
import { encode, EncodeError, MNEMONICS, type EncodeContext, type Operand } from './opcodes.js';

/** An assembly error, with the 1-based source line it happened on. */
export class AsmError extends Error {
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'AsmError';
    this.line = line;
  }
}

export interface AssembleOptions {
  /** Size of the output image; default: up to the highest address written. */
  size?: number;
  /** Byte for unwritten addresses (default 0x00). */
  fill?: number;
}

export interface Program {
  /** The assembled image, index = address. */
  image: Uint8Array;
  /** 1 where the source wrote a byte, 0 elsewhere (lets callers detect overlaps). */
  written: Uint8Array;
  /** Labels (local ones as "global.local") and constants. Names are case-sensitive. */
  symbols: Map<string, number>;
}

/** Assemble `source` and return the image (see assembleProgram for symbols). */
export function assemble(source: string, options: AssembleOptions = {}): Uint8Array {
  return assembleProgram(source, options).image;
}

class ExprError extends Error {}

/** Evaluate an expression. `lookup` returns undefined for unknown symbols. */
export function evaluate(text: string, lookup: (name: string) => number | undefined): number {
  const tokens = text.match(/\$[0-9a-fA-F]+|0[xX][0-9a-fA-F]+|0[bB][01]+|%[01]+|`[0-3]{8}|'(?:[^'\\]|\\.)'|\d+|[A-Za-z_.][\w.]*|<<|>>|\S/g) ?? [];
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const next = (): string => {
    const t = tokens[i++];
    if (t === undefined) throw new ExprError(`unexpected end of expression "${text}"`);
    return t;
  };
  const expect = (t: string): void => {
    const got = next();
    if (got !== t) throw new ExprError(`expected "${t}" but found "${got}" in "${text}"`);
  };
  const primary = (): number => {
    const t = next();
    if (t === '(') {
      const v = binary(0);
      expect(')');
      return v;
    }
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (t === '~') return ~primary() & 0xffff;
    if (/^\$[0-9a-f]+$/i.test(t)) return parseInt(t.slice(1), 16);
    if (/^0x/i.test(t)) return parseInt(t.slice(2), 16);
    if (/^0b/i.test(t)) return parseInt(t.slice(2), 2);
    if (t.startsWith('%')) return parseInt(t.slice(1), 2);
    if (/^\d+$/.test(t)) return parseInt(t, 10);
    if (t.startsWith('`')) {
      // 2bpp pixel row: low byte = bit 0 of each pixel, high byte = bit 1; leftmost pixel = bit 7.
      let lo = 0;
      let hi = 0;
      for (const ch of t.slice(1)) {
        const c = Number(ch);
        lo = (lo << 1) | (c & 1);
        hi = (hi << 1) | (c >> 1);
      }
      return (hi << 8) | lo;
    }
    if (t.startsWith("'")) return t.slice(1, -1).replace(/^\\/, '').charCodeAt(0);
    if (/^[A-Za-z_.]/.test(t)) {
      const fn = t.toUpperCase();
      if ((fn === 'LOW' || fn === 'HIGH') && peek() === '(') {
        next();
        const v = binary(0);
        expect(')');
        return fn === 'LOW' ? v & 0xff : (v >> 8) & 0xff;
      }
      const v = lookup(t);
      if (v === undefined) throw new ExprError(`undefined symbol "${t}"`);
      return v;
    }
    throw new ExprError(`unexpected "${t}" in expression "${text}"`);
  };
  const PREC: Record<string, number> = { '|': 1, '^': 2, '&': 3, '<<': 4, '>>': 4, '+': 5, '-': 5, '*': 6, '/': 6 };
  const binary = (minPrec: number): number => {
    let left = primary();
    for (;;) {
      const op = peek();
      const prec = op === undefined ? undefined : PREC[op];
      if (op === undefined || prec === undefined || prec <= minPrec) return left;
      next();
      const right = binary(prec);
      switch (op) {
        case '|': left |= right; break;
        case '^': left ^= right; break;
        case '&': left &= right; break;
        case '<<': left <<= right; break;
        case '>>': left >>= right; break;
        case '+': left += right; break;
        case '-': left -= right; break;
        case '*': left *= right; break;
        case '/':
          if (right === 0) throw new ExprError(`division by zero in "${text}"`);
          left = Math.trunc(left / right);
          break;
      }
    }
  };
  if (tokens.length === 0) throw new ExprError('empty expression');
  const v = binary(0);
  if (i < tokens.length) throw new ExprError(`unexpected "${tokens[i]}" in expression "${text}"`);
  return v;
}

/** Split an operand list on top-level commas (not inside quotes, brackets or parentheses). */
function splitOperands(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '(') depth++;
    else if (ch === ']' || ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim() !== '' || out.length > 0) out.push(cur.trim());
  return out;
}

/** Remove a `;` comment, ignoring semicolons inside quotes. */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === ';') return line.slice(0, i);
  }
  return line;
}

const REGISTERS = new Set(['a', 'b', 'c', 'd', 'e', 'h', 'l', 'af', 'bc', 'de', 'hl', 'sp']);
const CONDITIONS = new Set(['nz', 'z', 'nc']);
const MEM: Record<string, 'hl' | 'bc' | 'de' | 'hli' | 'hld' | 'c'> = {
  hl: 'hl', bc: 'bc', de: 'de', 'hl+': 'hli', hli: 'hli', 'hl-': 'hld', hld: 'hld', c: 'c',
  '$ff00+c': 'c', '0xff00+c': 'c',
};

function parseOperand(text: string): Operand {
  const lower = text.toLowerCase().replace(/\s+/g, '');
  if (REGISTERS.has(lower)) return { kind: 'reg', name: lower };
  if (CONDITIONS.has(lower)) return { kind: 'cond', name: lower };
  if (text.startsWith('[') && text.endsWith(']')) {
    const mem = MEM[lower.slice(1, -1)];
    if (mem) return { kind: 'mem', name: mem };
    return { kind: 'memimm', expr: text.slice(1, -1).trim() };
  }
  const sp = /^sp\s*([+-].*)$/i.exec(text);
  if (sp?.[1]) return { kind: 'spoff', expr: sp[1] };
  return { kind: 'imm', expr: text };
}

/** Bytes of a db operand list: numbers or "strings". */
function dataBytes(args: string[], value: (e: string) => number): number[] {
  const out: number[] = [];
  for (const arg of args) {
    if (arg.length >= 2 && arg.startsWith('"') && arg.endsWith('"')) {
      for (const ch of arg.slice(1, -1)) out.push(ch.charCodeAt(0) & 0xff);
      continue;
    }
    const v = value(arg);
    if (v < -128 || v > 255) throw new ExprError(`db value ${v} (${arg}) does not fit in 8 bits`);
    out.push(v & 0xff);
  }
  return out;
}

/**
 * Assemble `source`. Instruction sizes depend only on operand shapes, so the first passes just
 * collect addresses (the second one also settles constants defined from later labels) and the
 * last pass emits bytes with every symbol known.
 */
export function assembleProgram(source: string, options: AssembleOptions = {}): Program {
  const lines = source.split(/\r?\n/);
  const symbols = new Map<string, number>();
  const image = new Uint8Array(0x10000).fill(options.fill ?? 0);
  const written = new Uint8Array(0x10000);
  let maxAddr = 0;

  for (const final of [false, false, true]) {
    let pc = 0;
    const defined = new Set<string>();
    let scope = '';
    const lookup = (name: string): number | undefined => symbols.get(name.startsWith('.') ? scope + name : name);
    // Early passes treat not-yet-defined symbols as 0 (sizes never depend on values, except ds/org).
    const value = (expr: string): number => evaluate(expr, (n) => lookup(n) ?? (final ? undefined : 0));
    const strict = (expr: string): number => evaluate(expr, lookup);
    const define = (name: string, v: number, lineNo: number): void => {
      if (defined.has(name)) throw new AsmError(lineNo, `"${name}" is already defined`);
      defined.add(name);
      symbols.set(name, v);
    };
    const emit = (bytes: number[], lineNo: number): void => {
      for (const byte of bytes) {
        if (pc > 0xffff) throw new AsmError(lineNo, 'code runs past $FFFF');
        if (final) {
          if (written[pc]) throw new AsmError(lineNo, `address $${pc.toString(16).toUpperCase()} is written twice`);
          image[pc] = byte;
          written[pc] = 1;
          maxAddr = Math.max(maxAddr, pc);
        }
        pc++;
      }
    };

    lines.forEach((raw, index) => {
      const lineNo = index + 1;
      try {
        let text = stripComment(raw).trim();
        // Labels: "name:" / "name::" / ".local:"
        const label = /^([A-Za-z_.][\w.]*)::?(?=\s|$)/.exec(text);
        if (label?.[1]) {
          let name = label[1];
          if (name.startsWith('.')) name = scope + name;
          else scope = name;
          define(name, pc, lineNo);
          text = text.slice(label[0].length).trim();
        }
        if (text === '') return;
        // Constants: "NAME EQU expr" / "DEF NAME EQU expr"
        const equ = /^(?:DEF\s+)?([A-Za-z_][\w]*)\s+EQU\s+(.+)$/i.exec(text);
        if (equ?.[1] && equ[2]) {
          define(equ[1], final ? strict(equ[2]) : value(equ[2]), lineNo);
          return;
        }
        const m = /^(\S+)\s*(.*)$/.exec(text);
        const word = (m?.[1] ?? '').toLowerCase();
        const args = splitOperands(m?.[2] ?? '');
        switch (word) {
          case 'section': {
            const at = /\[\s*([^\]]+)\]\s*$/.exec(m?.[2] ?? '');
            if (!at?.[1]) throw new AsmError(lineNo, 'SECTION needs a fixed address, e.g. SECTION "main", ROM0[$150]');
            pc = strict(at[1]);
            return;
          }
          case 'org':
            if (args.length !== 1) throw new AsmError(lineNo, 'org needs one address');
            pc = strict(args[0]!);
            return;
          case 'db':
            emit(dataBytes(args, value), lineNo);
            return;
          case 'dw':
            for (const arg of args) {
              const v = value(arg);
              if (v < -32768 || v > 0xffff) throw new ExprError(`dw value ${v} (${arg}) does not fit in 16 bits`);
              emit([v & 0xff, (v >> 8) & 0xff], lineNo);
            }
            return;
          case 'ds': {
            const count = strict(args[0] ?? '');
            const fill = args[1] === undefined ? 0 : value(args[1]);
            emit(new Array<number>(count).fill(fill & 0xff), lineNo);
            return;
          }
        }
        if (!MNEMONICS.has(word)) throw new AsmError(lineNo, `unknown mnemonic "${m?.[1] ?? text}"`);
        const ctx: EncodeContext = { pc, value, final };
        emit(encode(word, args.map(parseOperand), ctx), lineNo);
      } catch (err) {
        if (err instanceof AsmError) throw err;
        if (err instanceof EncodeError || err instanceof ExprError) throw new AsmError(lineNo, err.message);
        throw err;
      }
    });
  }

  const size = options.size ?? maxAddr + 1;
  if (maxAddr >= size) throw new RangeError(`code reaches $${maxAddr.toString(16)}, beyond the image size ${size}`);
  return { image: image.slice(0, size), written: written.slice(0, size), symbols };
}
