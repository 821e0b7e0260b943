/**
 * The byte work of an indexed PNG, in pure functions: colour table, scanlines, row filters and
 * chunk framing. `JsPngEncoder` strings them together; `native/src/png_encoder.c` does the same
 * steps in the same order (palette in order of first appearance, bit depth by colour count), so
 * both encoders write the same pixels.
 */

const HASH_BITS = 10;
const HASH_SIZE = 1 << HASH_BITS;

/** Reusable work buffers for `buildPalette` (one set per encoder; nothing module-global). */
export interface PaletteScratch {
  keys: Uint32Array;
  slots: Uint8Array;
  palette: Uint8Array;
  index: Uint8Array;
}

export function newPaletteScratch(): PaletteScratch {
  return { keys: new Uint32Array(HASH_SIZE), slots: new Uint8Array(HASH_SIZE), palette: new Uint8Array(768), index: new Uint8Array(0) };
}

/**
 * Gives every pixel a palette index (colours in order of first appearance) in `scratch.index`
 * and the colours in `scratch.palette`. Returns the colour count, or 257 as soon as a 257th
 * colour shows up (the frame then goes out as truecolour).
 */
export function buildPalette(scratch: PaletteScratch, px: Uint8Array, pixels: number, channels: number): number {
  if (scratch.index.length < pixels) scratch.index = new Uint8Array(pixels);
  const { keys, slots, palette, index } = scratch;
  keys.fill(0);
  let colours = 0;
  let lastKey = 0;
  let lastSlot = 0;
  for (let i = 0, p = 0; i < pixels; i++, p += channels) {
    // 0x01RRGGBB so that 0 means an empty slot.
    const key = (0x01000000 | (px[p]! << 16) | (px[p + 1]! << 8) | px[p + 2]!) >>> 0;
    if (key !== lastKey) {
      let h = Math.imul(key, 2654435761) >>> (32 - HASH_BITS);
      while (keys[h] !== 0 && keys[h] !== key) h = (h + 1) & (HASH_SIZE - 1);
      if (keys[h] === 0) {
        if (colours === 256) return 257;
        keys[h] = key;
        slots[h] = colours;
        palette[colours * 3] = px[p]!;
        palette[colours * 3 + 1] = px[p + 1]!;
        palette[colours * 3 + 2] = px[p + 2]!;
        colours++;
      }
      lastKey = key;
      lastSlot = slots[h]!;
    }
    index[i] = lastSlot;
  }
  return colours;
}

/** Bits per pixel for a palette of `colours` entries: 1, 2, 4 or 8. */
export function depthFor(colours: number): 1 | 2 | 4 | 8 {
  return colours <= 2 ? 1 : colours <= 4 ? 2 : colours <= 16 ? 4 : 8;
}

/** Unfiltered scanlines of palette indices packed MSB first, each led by a 0 filter byte. */
export function indexedScanlines(index: Uint8Array, width: number, height: number, depth: number): { raw: Uint8Array; rowBytes: number } {
  const rowBytes = Math.ceil((width * depth) / 8);
  const raw = new Uint8Array(height * (rowBytes + 1));
  const perByte = 8 / depth;
  for (let y = 0; y < height; y++) {
    const o = y * (rowBytes + 1) + 1;
    if (depth === 8) {
      raw.set(index.subarray(y * width, (y + 1) * width), o);
      continue;
    }
    for (let x = 0, i = y * width; x < width; x++, i++) {
      raw[o + ((x / perByte) | 0)]! |= index[i]! << (8 - depth * ((x % perByte) + 1));
    }
  }
  return { raw, rowBytes };
}

/** Unfiltered RGB scanlines (alpha dropped), each led by a 0 filter byte. */
export function rgbScanlines(px: Uint8Array, width: number, height: number, channels: number): { raw: Uint8Array; rowBytes: number } {
  const rowBytes = width * 3;
  const raw = new Uint8Array(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    const o = y * (rowBytes + 1) + 1;
    if (channels === 3) {
      raw.set(px.subarray(y * rowBytes, (y + 1) * rowBytes), o);
      continue;
    }
    for (let x = 0, s = y * width * 4; x < width; x++, s += 4) {
      raw[o + x * 3] = px[s]!;
      raw[o + x * 3 + 1] = px[s + 1]!;
      raw[o + x * 3 + 2] = px[s + 2]!;
    }
  }
  return { raw, rowBytes };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function filterRow(dst: Uint8Array, raw: Uint8Array, cur: number, prev: number, n: number, bpp: number, t: number): void {
  for (let i = 0; i < n; i++) {
    const a = i >= bpp ? raw[cur + i - bpp]! : 0;
    const b = prev >= 0 ? raw[prev + i]! : 0;
    const c = prev >= 0 && i >= bpp ? raw[prev + i - bpp]! : 0;
    const pred = t === 1 ? a : t === 2 ? b : t === 3 ? (a + b) >> 1 : t === 4 ? paeth(a, b, c) : 0;
    dst[i] = raw[cur + i]! - pred;
  }
}

function cost(row: Uint8Array): number {
  let sum = 0;
  for (const v of row) sum += v < 128 ? v : 256 - v;
  return sum;
}

/**
 * Filters the scanlines in place with PNG filter `filter` (0–4) on every row, or 5 = per row the
 * cheapest by the sum of absolute byte values. Bottom-up, so each row still sees the unfiltered
 * row above it.
 */
export function applyFilters(raw: Uint8Array, height: number, rowBytes: number, bpp: number, filter: number): void {
  if (filter === 0) return;
  const stride = rowBytes + 1;
  const trial = Array.from({ length: 5 }, () => new Uint8Array(rowBytes));
  for (let y = height - 1; y >= 0; y--) {
    const cur = y * stride + 1;
    const prev = y > 0 ? cur - stride : -1;
    let t = filter;
    if (filter === 5) {
      let best = cost(raw.subarray(cur, cur + rowBytes));
      t = 0;
      for (let k = 1; k <= 4; k++) {
        filterRow(trial[k]!, raw, cur, prev, rowBytes, bpp, k);
        const c = cost(trial[k]!);
        if (c < best) {
          best = c;
          t = k;
        }
      }
    } else {
      filterRow(trial[t]!, raw, cur, prev, rowBytes, bpp, t);
    }
    if (t !== 0) raw.set(trial[t]!, cur);
    raw[cur - 1] = t;
  }
}

/** PNG header facts for `assemblePng`. */
export interface PngHeader {
  width: number;
  height: number;
  depth: number;
  /** 3 = palette, 2 = RGB. */
  colourType: 2 | 3;
  /** RGB triples for colour type 3. */
  palette?: Uint8Array;
}

/** CRC-32 (the PNG/zlib polynomial), table-driven. Not zlib.crc32: that needs Node >= 20.15, and engines allows any 20. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes`, as PNG chunks carry it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Signature, IHDR, PLTE (palette images), one IDAT holding `zdata`, IEND. */
export function assemblePng(header: PngHeader, zdata: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(header.width, 0);
  ihdr.writeUInt32BE(header.height, 4);
  ihdr[8] = header.depth;
  ihdr[9] = header.colourType; // compression, filter method and interlace stay 0
  const parts = [PNG_SIGNATURE, pngChunk('IHDR', ihdr)];
  if (header.colourType === 3 && header.palette) parts.push(pngChunk('PLTE', header.palette));
  parts.push(pngChunk('IDAT', zdata), pngChunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}
