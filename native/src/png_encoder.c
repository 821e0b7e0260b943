/*
 * gbstream_png: a tiny N-API addon that writes RGB/RGBA frames as lossless PNG with zlib.
 *
 * Why it exists: a Game Boy frame holds a handful of colours (4 on DMG games, a few dozen on CGB),
 * so an indexed PNG is pixel-exact and a fraction of a JPEG's bytes. Up to 256 colours become a
 * palette image whose bit depth (1/2/4/8) follows the colour count; more become 8-bit truecolour
 * RGB, so the output is never lossy. Like jpeg_encoder.c, each encoder object keeps its deflate
 * stream and buffers between frames (deflateReset instead of deflateInit per frame) and each call
 * returns a fresh Node Buffer the caller may keep.
 *
 * JS API (wrapped by src/encode/png-native-encoder.ts):
 *   createEncoder(level: 0..9, strategy: 0..4 (zlib Z_*), filter: 0..5) -> handle
 *       filter 0-4 = that PNG filter type on every row; 5 = per row, the one with the smallest sum
 *       of absolute (signed) byte values (the libpng heuristic).
 *   encode(handle, pixels: Uint8Array, width, height, channels: 3|4) -> Buffer
 *
 * Errors: bad arguments throw TypeError/RangeError with code GBS_ERR_ENCODE_ARG before any pixel is
 * read; an allocation or zlib failure throws Error with code GBS_ERR_ENCODE_FAILED. Nothing here is
 * global except constant tables: two encoders never share a buffer or a stream.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>
#include <zlib.h>

#define ARG_CODE "GBS_ERR_ENCODE_ARG"
#define ENCODE_CODE "GBS_ERR_ENCODE_FAILED"
/* Limits guard the arithmetic and the allocations; a 16x16 mosaic of frames is 2560x2304. */
#define MAX_SIDE 16384
#define MAX_PIXELS (1 << 24)
/* Open-addressing colour table: 1024 slots for at most 257 colours keeps probes short. */
#define HASH_BITS 10
#define HASH_SIZE (1 << HASH_BITS)
#define FILTER_ADAPTIVE 5
/* signature + IHDR + PLTE (256 entries) + IDAT and IEND chunk framing. */
#define HEADER_BYTES (8 + 25 + (12 + 768) + 12 + 12)

static const napi_type_tag ENCODER_TAG = {0x6762737472656d70ULL, 0x6e675f656e633031ULL};
static const uint8_t PNG_SIGNATURE[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

typedef struct {
  z_stream zs;
  int filter;
  uint8_t *index; /* one palette index per pixel (the bit depth is known only after counting) */
  size_t index_cap;
  uint8_t *raw; /* filtered scanlines, each led by its filter byte: what deflate reads */
  size_t raw_cap;
  uint8_t *trial; /* 5 candidate rows for the adaptive filter */
  size_t trial_cap;
  uint8_t *out;
  size_t out_cap;
  uint32_t keys[HASH_SIZE]; /* 0 = empty, else 0x01RRGGBB */
  uint8_t slots[HASH_SIZE];
  uint8_t palette[256 * 3];
} encoder;

/* ---- small helpers ---------------------------------------------------------------------------- */

static bool reserve(uint8_t **buf, size_t *cap, size_t need) {
  if (need <= *cap) return true;
  uint8_t *grown = realloc(*buf, need);
  if (grown == NULL) return false;
  *buf = grown;
  *cap = need;
  return true;
}

static void put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* Frames a chunk whose `len` data bytes already sit at p + 8; returns the bytes written. */
static size_t finish_chunk(uint8_t *p, const char type[4], uint32_t len) {
  put_u32(p, len);
  memcpy(p + 4, type, 4);
  put_u32(p + 8 + len, (uint32_t)crc32(crc32(0L, Z_NULL, 0), p + 4, len + 4));
  return (size_t)len + 12;
}

/* ---- palette ---------------------------------------------------------------------------------- */

/*
 * Maps every pixel to a palette index in order of first appearance. Returns the colour count, or
 * 257 as soon as a 257th colour shows up (the frame then goes out as truecolour).
 */
static int build_palette(encoder *enc, const uint8_t *px, size_t pixels, size_t channels) {
  memset(enc->keys, 0, sizeof enc->keys);
  int colours = 0;
  uint32_t last_key = 0;
  uint8_t last_slot = 0;
  for (size_t i = 0; i < pixels; i++, px += channels) {
    uint32_t key = 0x01000000u | ((uint32_t)px[0] << 16) | ((uint32_t)px[1] << 8) | px[2];
    if (key != last_key) {
      uint32_t h = (key * 2654435761u) >> (32 - HASH_BITS);
      while (enc->keys[h] != 0 && enc->keys[h] != key) h = (h + 1) & (HASH_SIZE - 1);
      if (enc->keys[h] == 0) {
        if (colours == 256) return 257;
        enc->keys[h] = key;
        enc->slots[h] = (uint8_t)colours;
        memcpy(enc->palette + colours * 3, px, 3);
        colours++;
      }
      last_key = key;
      last_slot = enc->slots[h];
    }
    enc->index[i] = last_slot;
  }
  return colours;
}

static int depth_for(int colours) { return colours <= 2 ? 1 : colours <= 4 ? 2 : colours <= 16 ? 4 : 8; }

/* Packs one row of indices MSB-first at `depth` bits per pixel. */
static void pack_row(uint8_t *dst, const uint8_t *idx, size_t width, int depth, size_t row_bytes) {
  if (depth == 8) {
    memcpy(dst, idx, width);
    return;
  }
  memset(dst, 0, row_bytes);
  int per_byte = 8 / depth;
  for (size_t x = 0; x < width; x++) {
    int shift = 8 - depth * (int)(x % (size_t)per_byte + 1);
    dst[x / (size_t)per_byte] |= (uint8_t)(idx[x] << shift);
  }
}

/* ---- filters ---------------------------------------------------------------------------------- */

static uint8_t paeth(uint8_t a, uint8_t b, uint8_t c) {
  int p = (int)a + b - c;
  int pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Filters `cur` (prev = the row above, NULL for the first) with type `t` into dst. */
static void filter_row(uint8_t *dst, const uint8_t *cur, const uint8_t *prev, size_t n, size_t bpp, int t) {
  for (size_t i = 0; i < n; i++) {
    uint8_t a = i >= bpp ? cur[i - bpp] : 0;
    uint8_t b = prev ? prev[i] : 0;
    uint8_t c = prev && i >= bpp ? prev[i - bpp] : 0;
    uint8_t pred = t == 1 ? a : t == 2 ? b : t == 3 ? (uint8_t)((a + b) / 2) : t == 4 ? paeth(a, b, c) : 0;
    dst[i] = (uint8_t)(cur[i] - pred);
  }
}

static uint64_t cost(const uint8_t *row, size_t n) {
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i++) sum += row[i] < 128 ? row[i] : 256 - row[i];
  return sum;
}

/*
 * Filters the unfiltered rows held in raw (each at offset y*(row_bytes+1)+1) in place, bottom-up so
 * every row still sees its unfiltered neighbour above. The adaptive mode writes candidates to trial.
 */
static void apply_filters(encoder *enc, size_t height, size_t row_bytes, size_t bpp) {
  size_t stride = row_bytes + 1;
  for (size_t y = height; y-- > 0;) {
    uint8_t *line = enc->raw + y * stride;
    uint8_t *cur = line + 1;
    const uint8_t *prev = y > 0 ? cur - stride : NULL;
    int t = enc->filter;
    if (t == FILTER_ADAPTIVE) {
      uint64_t best = cost(cur, row_bytes);
      t = 0;
      for (int k = 1; k <= 4; k++) {
        uint8_t *cand = enc->trial + (size_t)k * row_bytes;
        filter_row(cand, cur, prev, row_bytes, bpp, k);
        uint64_t c = cost(cand, row_bytes);
        if (c < best) {
          best = c;
          t = k;
        }
      }
      if (t != 0) memcpy(cur, enc->trial + (size_t)t * row_bytes, row_bytes);
    } else if (t != 0) {
      filter_row(enc->trial, cur, prev, row_bytes, bpp, t);
      memcpy(cur, enc->trial, row_bytes);
    }
    line[0] = (uint8_t)t;
  }
}

/* ---- encoder lifetime ------------------------------------------------------------------------- */

static void encoder_free(encoder *enc) {
  if (enc == NULL) return;
  deflateEnd(&enc->zs);
  free(enc->index);
  free(enc->raw);
  free(enc->trial);
  free(enc->out);
  free(enc);
}

static void encoder_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  encoder_free((encoder *)data);
}

/* ---- argument helpers (the same shape as jpeg_encoder.c's) ------------------------------------ */

static bool get_int(napi_env env, napi_value v, const char *name, int64_t min, int64_t max, int64_t *out) {
  napi_valuetype t;
  char msg[160];
  double d = 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_double(env, v, &d) != napi_ok) {
    snprintf(msg, sizeof msg, "Expected `%s` to be a number", name);
    napi_throw_type_error(env, ARG_CODE, msg);
    return false;
  }
  if (!(d >= (double)min && d <= (double)max) || d != (double)(int64_t)d) {
    snprintf(msg, sizeof msg, "Expected `%s` to be an integer %lld-%lld, got `%g`", name, (long long)min, (long long)max,
             d);
    napi_throw_range_error(env, ARG_CODE, msg);
    return false;
  }
  *out = (int64_t)d;
  return true;
}

static encoder *get_encoder(napi_env env, napi_value handle) {
  napi_valuetype t;
  bool tagged = false;
  void *data = NULL;
  if (napi_typeof(env, handle, &t) != napi_ok || t != napi_object ||
      napi_check_object_type_tag(env, handle, &ENCODER_TAG, &tagged) != napi_ok || !tagged ||
      napi_unwrap(env, handle, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, ARG_CODE, "Expected `handle` to come from createEncoder()");
    return NULL;
  }
  return (encoder *)data;
}

/* ---- exported functions ----------------------------------------------------------------------- */

static napi_value create_encoder(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) {
    napi_throw_type_error(env, ARG_CODE, "createEncoder(level, strategy, filter) takes 3 arguments");
    return NULL;
  }
  int64_t level, strategy, filter;
  if (!get_int(env, argv[0], "level", 0, 9, &level)) return NULL;
  if (!get_int(env, argv[1], "strategy", 0, 4, &strategy)) return NULL;
  if (!get_int(env, argv[2], "filter", 0, FILTER_ADAPTIVE, &filter)) return NULL;

  encoder *enc = calloc(1, sizeof *enc);
  if (enc == NULL) {
    napi_throw_error(env, ENCODE_CODE, "cannot allocate a PNG encoder (out of memory)");
    return NULL;
  }
  enc->filter = (int)filter;
  if (deflateInit2(&enc->zs, (int)level, Z_DEFLATED, 15, 8, (int)strategy) != Z_OK) {
    free(enc);
    napi_throw_error(env, ENCODE_CODE, "zlib: deflateInit2 failed");
    return NULL;
  }
  napi_value obj;
  if (napi_create_object(env, &obj) != napi_ok || napi_wrap(env, obj, enc, encoder_finalize, NULL, NULL) != napi_ok) {
    encoder_free(enc);
    napi_throw_error(env, ENCODE_CODE, "cannot create the encoder object");
    return NULL;
  }
  if (napi_type_tag_object(env, obj, &ENCODER_TAG) != napi_ok) {
    napi_throw_error(env, ENCODE_CODE, "cannot tag the encoder object");
    return NULL;
  }
  return obj;
}

static napi_value fail(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

static napi_value encode(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5) {
    napi_throw_type_error(env, ARG_CODE, "encode(handle, pixels, width, height, channels) takes 5 arguments");
    return NULL;
  }
  encoder *enc = get_encoder(env, argv[0]);
  if (enc == NULL) return NULL;

  bool is_typed = false;
  napi_typedarray_type ta_type = napi_int8_array;
  size_t length = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, argv[1], &is_typed) != napi_ok) is_typed = false;
  if (is_typed && napi_get_typedarray_info(env, argv[1], &ta_type, &length, &data, NULL, NULL) != napi_ok) {
    is_typed = false;
  }
  if (!is_typed || (ta_type != napi_uint8_array && ta_type != napi_uint8_clamped_array)) {
    napi_throw_type_error(env, ARG_CODE, "Expected `pixels` to be a Uint8Array or Buffer");
    return NULL;
  }
  int64_t width, height, channels;
  if (!get_int(env, argv[2], "width", 1, MAX_SIDE, &width)) return NULL;
  if (!get_int(env, argv[3], "height", 1, MAX_SIDE, &height)) return NULL;
  if (!get_int(env, argv[4], "channels", 3, 4, &channels)) return NULL;
  char msg[200];
  if (width * height > MAX_PIXELS) {
    snprintf(msg, sizeof msg, "Expected at most %d pixels, got %lldx%lld", MAX_PIXELS, (long long)width,
             (long long)height);
    napi_throw_range_error(env, ARG_CODE, msg);
    return NULL;
  }
  size_t pixels = (size_t)width * (size_t)height;
  size_t expected = pixels * (size_t)channels;
  if (length != expected || data == NULL) {
    snprintf(msg, sizeof msg, "Expected `pixels` to hold %lldx%lldx%lld = %zu bytes, got %zu", (long long)width,
             (long long)height, (long long)channels, expected, length);
    napi_throw_range_error(env, ARG_CODE, msg);
    return NULL;
  }

  const uint8_t *px = data;
  size_t w = (size_t)width, h = (size_t)height, ch = (size_t)channels;
  if (!reserve(&enc->index, &enc->index_cap, pixels)) return fail(env, ENCODE_CODE, "out of memory (index)");
  int colours = build_palette(enc, px, pixels, ch);
  bool indexed = colours <= 256;
  int depth = indexed ? depth_for(colours) : 8;
  size_t row_bytes = indexed ? (w * (size_t)depth + 7) / 8 : w * 3;
  size_t bpp = indexed ? 1 : 3; /* the filters' "bytes per complete pixel", at least 1 */
  size_t raw_len = h * (row_bytes + 1);
  if (!reserve(&enc->raw, &enc->raw_cap, raw_len) || !reserve(&enc->trial, &enc->trial_cap, 5 * row_bytes)) {
    return fail(env, ENCODE_CODE, "out of memory (scanlines)");
  }
  for (size_t y = 0; y < h; y++) {
    uint8_t *dst = enc->raw + y * (row_bytes + 1) + 1;
    if (indexed) {
      pack_row(dst, enc->index + y * w, w, depth, row_bytes);
    } else if (ch == 3) {
      memcpy(dst, px + y * w * 3, row_bytes);
    } else {
      const uint8_t *src = px + y * w * 4;
      for (size_t x = 0; x < w; x++) memcpy(dst + x * 3, src + x * 4, 3);
    }
  }
  apply_filters(enc, h, row_bytes, bpp);

  if (deflateReset(&enc->zs) != Z_OK) return fail(env, ENCODE_CODE, "zlib: deflateReset failed");
  uLong bound = deflateBound(&enc->zs, (uLong)raw_len);
  if (bound > UINT32_MAX - HEADER_BYTES) return fail(env, ENCODE_CODE, "frame too large for one IDAT chunk");
  if (!reserve(&enc->out, &enc->out_cap, HEADER_BYTES + (size_t)bound)) return fail(env, ENCODE_CODE, "out of memory (output)");

  uint8_t *o = enc->out;
  memcpy(o, PNG_SIGNATURE, 8);
  size_t pos = 8;
  uint8_t *ihdr = o + pos + 8;
  put_u32(ihdr, (uint32_t)w);
  put_u32(ihdr + 4, (uint32_t)h);
  ihdr[8] = (uint8_t)depth;
  ihdr[9] = indexed ? 3 : 2; /* colour type: palette or RGB */
  ihdr[10] = ihdr[11] = ihdr[12] = 0; /* deflate, adaptive filtering, no interlace */
  pos += finish_chunk(o + pos, "IHDR", 13);
  if (indexed) {
    memcpy(o + pos + 8, enc->palette, (size_t)colours * 3);
    pos += finish_chunk(o + pos, "PLTE", (uint32_t)colours * 3);
  }
  enc->zs.next_in = enc->raw;
  enc->zs.avail_in = (uInt)raw_len;
  enc->zs.next_out = o + pos + 8;
  enc->zs.avail_out = (uInt)bound;
  int rc = deflate(&enc->zs, Z_FINISH);
  if (rc != Z_STREAM_END) {
    snprintf(msg, sizeof msg, "zlib: deflate returned %d (%s)", rc, enc->zs.msg ? enc->zs.msg : "no message");
    deflateReset(&enc->zs);
    return fail(env, ENCODE_CODE, msg);
  }
  pos += finish_chunk(o + pos, "IDAT", (uint32_t)enc->zs.total_out);
  pos += finish_chunk(o + pos, "IEND", 0);

  napi_value result;
  if (napi_create_buffer_copy(env, pos, o, NULL, &result) != napi_ok) return fail(env, ENCODE_CODE, "cannot create a Buffer");
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"createEncoder", NULL, create_encoder, NULL, NULL, NULL, napi_enumerable, NULL},
      {"encode", NULL, encode, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
