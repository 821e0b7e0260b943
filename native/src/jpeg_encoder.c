/*
 * gbstream_jpeg: a tiny N-API addon that compresses RGB/RGBA frames to JPEG with libjpeg(-turbo).
 *
 * Why it exists: sharp spends ~1.3 ms per 160x144 frame here, almost all of it per-call overhead;
 * libjpeg-turbo called directly spends ~0.08 ms (DESIGN §2). So this file does the least possible
 * per call: one compressor, one output buffer and one row-pointer array live as long as the
 * encoder object and are reused; each call only sets the header fields, compresses and copies
 * the bytes into a fresh Node Buffer (the caller may keep it while the next frame is encoded).
 *
 * JS API (wrapped by src/encode/native-encoder.ts):
 *   createEncoder() -> handle
 *   encode(handle, pixels: Uint8Array, width, height, channels: 3|4, quality: 1..100,
 *          subsampling444: boolean) -> Buffer
 *
 * Errors: bad arguments throw TypeError/RangeError (code GBS_ERR_NATIVE_ARG) before libjpeg is
 * touched; a libjpeg failure throws Error with code GBS_ERR_NATIVE_ENCODE. libjpeg's default
 * error_exit() calls exit(), so a setjmp/longjmp error manager is installed instead.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h> /* ERREXIT and the JERR_* codes */
#include <node_api.h>

#define ARG_CODE "GBS_ERR_NATIVE_ARG"
#define ENCODE_CODE "GBS_ERR_NATIVE_ENCODE"
/* 64 KiB covers a 160x144 frame at any quality without a regrow (typical: 3-6 KiB). */
#define INITIAL_OUT_CAPACITY (64 * 1024)

/* Tells our encoder objects apart from any other wrapped object passed as the handle. */
static const napi_type_tag ENCODER_TAG = {0x6762737472656d6aULL, 0x7065675f656e6331ULL};

typedef struct {
  struct jpeg_error_mgr pub; /* must stay first: libjpeg hands us a pointer to it */
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} error_mgr;

typedef struct {
  struct jpeg_destination_mgr pub; /* must stay first */
  JOCTET *buf;
  size_t capacity;
  size_t length; /* bytes of the last finished image */
} mem_dest;

typedef struct {
  struct jpeg_compress_struct cinfo;
  error_mgr err;
  mem_dest dest;
  JSAMPROW *rows;
  size_t rows_capacity;
} encoder;

/* ---- libjpeg callbacks ---------------------------------------------------------------------- */

static void on_error_exit(j_common_ptr cinfo) {
  error_mgr *err = (error_mgr *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, err->message);
  longjmp(err->jump, 1);
}

/* Warnings (e.g. corrupt-data notices) are for decoders; never print to the server's stderr. */
static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void dest_init(j_compress_ptr cinfo) {
  mem_dest *d = (mem_dest *)cinfo->dest;
  d->pub.next_output_byte = d->buf;
  d->pub.free_in_buffer = d->capacity;
  d->length = 0;
}

/* Called when the buffer is full: all `capacity` bytes are valid output. Double it and go on. */
static boolean dest_empty(j_compress_ptr cinfo) {
  mem_dest *d = (mem_dest *)cinfo->dest;
  size_t grown = d->capacity * 2;
  JOCTET *buf = realloc(d->buf, grown);
  if (buf == NULL) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 10);
  d->pub.next_output_byte = buf + d->capacity;
  d->pub.free_in_buffer = grown - d->capacity;
  d->buf = buf;
  d->capacity = grown;
  return TRUE;
}

static void dest_term(j_compress_ptr cinfo) {
  mem_dest *d = (mem_dest *)cinfo->dest;
  d->length = d->capacity - d->pub.free_in_buffer;
}

/* ---- encoder lifetime ----------------------------------------------------------------------- */

static void encoder_free(encoder *enc) {
  if (enc == NULL) return;
  jpeg_destroy_compress(&enc->cinfo);
  free(enc->dest.buf);
  free(enc->rows);
  free(enc);
}

static void encoder_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  encoder_free((encoder *)data);
}

/* jpeg_create_compress only fails when out of memory; its own function keeps setjmp's scope small. */
static bool create_compress(j_compress_ptr cinfo, error_mgr *err) {
  if (setjmp(err->jump)) {
    jpeg_destroy_compress(cinfo);
    return false;
  }
  jpeg_create_compress(cinfo);
  return true;
}

static encoder *encoder_new(void) {
  encoder *enc = calloc(1, sizeof *enc);
  if (enc == NULL) return NULL;
  enc->dest.buf = malloc(INITIAL_OUT_CAPACITY);
  if (enc->dest.buf == NULL) {
    free(enc);
    return NULL;
  }
  enc->dest.capacity = INITIAL_OUT_CAPACITY;
  enc->cinfo.err = jpeg_std_error(&enc->err.pub);
  enc->err.pub.error_exit = on_error_exit;
  enc->err.pub.output_message = on_output_message;
  if (!create_compress(&enc->cinfo, &enc->err)) {
    free(enc->dest.buf);
    free(enc);
    return NULL;
  }
  enc->dest.pub.init_destination = dest_init;
  enc->dest.pub.empty_output_buffer = dest_empty;
  enc->dest.pub.term_destination = dest_term;
  enc->cinfo.dest = &enc->dest.pub;
  return enc;
}

/* ---- argument helpers ----------------------------------------------------------------------- */

/* Returns NULL after any N-API failure so callers can `return NULL` and let JS see the error. */
#define NAPI_CALL(env, call)                                                                      \
  do {                                                                                            \
    if ((call) != napi_ok) {                                                                      \
      const napi_extended_error_info *info_ = NULL;                                               \
      bool pending_ = false;                                                                      \
      napi_get_last_error_info((env), &info_);                                                    \
      napi_is_exception_pending((env), &pending_);                                                \
      if (!pending_) {                                                                            \
        napi_throw_error((env), ENCODE_CODE,                                                      \
                         info_ && info_->error_message ? info_->error_message : "N-API call failed"); \
      }                                                                                           \
      return NULL;                                                                                \
    }                                                                                             \
  } while (0)

/* Reads an integer argument in [min, max]; throws TypeError/RangeError quoting the value. */
static bool get_int(napi_env env, napi_value v, const char *name, int64_t min, int64_t max, int64_t *out) {
  napi_valuetype t;
  char msg[160];
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) {
    snprintf(msg, sizeof msg, "Expected `%s` to be a number", name);
    napi_throw_type_error(env, ARG_CODE, msg);
    return false;
  }
  double d;
  napi_get_value_double(env, v, &d);
  if (!(d >= (double)min && d <= (double)max) || d != (double)(int64_t)d) {
    if (max == INT32_MAX) {
      snprintf(msg, sizeof msg, "Expected `%s` to be a positive integer, got `%g`", name, d);
    } else {
      snprintf(msg, sizeof msg, "Expected `%s` to be an integer %lld-%lld, got `%g`", name, (long long)min,
               (long long)max, d);
    }
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

/* ---- exported functions --------------------------------------------------------------------- */

static napi_value create_encoder(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj;
  encoder *enc = encoder_new();
  if (enc == NULL) {
    napi_throw_error(env, ENCODE_CODE, "cannot allocate a JPEG compressor (out of memory)");
    return NULL;
  }
  if (napi_create_object(env, &obj) != napi_ok ||
      napi_wrap(env, obj, enc, encoder_finalize, NULL, NULL) != napi_ok) {
    encoder_free(enc);
    napi_throw_error(env, ENCODE_CODE, "cannot create the encoder object");
    return NULL;
  }
  NAPI_CALL(env, napi_type_tag_object(env, obj, &ENCODER_TAG));
  return obj;
}

static napi_value encode(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7) {
    napi_throw_type_error(env, ARG_CODE,
                          "encode(handle, pixels, width, height, channels, quality, subsampling444) takes 7 arguments");
    return NULL;
  }

  encoder *enc = get_encoder(env, argv[0]);
  if (enc == NULL) return NULL;

  bool is_typed = false;
  napi_typedarray_type ta_type;
  size_t length = 0;
  void *data = NULL;
  NAPI_CALL(env, napi_is_typedarray(env, argv[1], &is_typed));
  if (is_typed) NAPI_CALL(env, napi_get_typedarray_info(env, argv[1], &ta_type, &length, &data, NULL, NULL));
  if (!is_typed || (ta_type != napi_uint8_array && ta_type != napi_uint8_clamped_array)) {
    napi_throw_type_error(env, ARG_CODE, "Expected `pixels` to be a Uint8Array or Buffer");
    return NULL;
  }

  /* Upper bounds only guard the arithmetic below; libjpeg itself rejects > 65500 (JPEG_MAX_DIMENSION). */
  int64_t width, height, channels, quality;
  if (!get_int(env, argv[2], "width", 1, INT32_MAX, &width)) return NULL;
  if (!get_int(env, argv[3], "height", 1, INT32_MAX, &height)) return NULL;
  if (!get_int(env, argv[4], "channels", 3, 4, &channels)) return NULL;
  if (!get_int(env, argv[5], "quality", 1, 100, &quality)) return NULL;
  bool full_chroma = false;
  napi_valuetype t;
  NAPI_CALL(env, napi_typeof(env, argv[6], &t));
  if (t != napi_boolean) {
    napi_throw_type_error(env, ARG_CODE, "Expected `subsampling444` to be a boolean");
    return NULL;
  }
  NAPI_CALL(env, napi_get_value_bool(env, argv[6], &full_chroma));

  /* Fits in 64 bits: each factor is < 2^31 and channels <= 4. */
  uint64_t expected = (uint64_t)width * (uint64_t)height * (uint64_t)channels;
  if ((uint64_t)length != expected) {
    char msg[200];
    snprintf(msg, sizeof msg, "Expected `pixels` to hold %lldx%lldx%lld = %llu bytes, got %llu", (long long)width,
             (long long)height, (long long)channels, (unsigned long long)expected, (unsigned long long)length);
    napi_throw_range_error(env, ARG_CODE, msg);
    return NULL;
  }

  /* Row pointers into the caller's pixels: grown here, before setjmp, so a longjmp loses nothing. */
  if ((size_t)height > enc->rows_capacity) {
    JSAMPROW *rows = realloc(enc->rows, (size_t)height * sizeof *rows);
    if (rows == NULL) {
      napi_throw_error(env, ENCODE_CODE, "cannot allocate row pointers (out of memory)");
      return NULL;
    }
    enc->rows = rows;
    enc->rows_capacity = (size_t)height;
  }
  size_t stride = (size_t)width * (size_t)channels;
  for (size_t y = 0; y < (size_t)height; y++) enc->rows[y] = (JSAMPROW)data + y * stride;

  j_compress_ptr cinfo = &enc->cinfo;
  if (setjmp(enc->err.jump)) {
    /* Back to the idle state so the same compressor can take the next frame. */
    jpeg_abort_compress(cinfo);
    char msg[JMSG_LENGTH_MAX + 32];
    snprintf(msg, sizeof msg, "libjpeg: %s", enc->err.message);
    napi_throw_error(env, ENCODE_CODE, msg);
    return NULL;
  }

  cinfo->image_width = (JDIMENSION)width;
  cinfo->image_height = (JDIMENSION)height;
  cinfo->input_components = (int)channels;
  /* libjpeg-turbo reads RGBA directly (alpha skipped): no per-frame conversion copy. */
  cinfo->in_color_space = channels == 4 ? JCS_EXT_RGBA : JCS_RGB;
  jpeg_set_defaults(cinfo);
  jpeg_set_quality(cinfo, (int)quality, TRUE);
  /* Luma is component 0; 2x2 luma sampling means 4:2:0, 1x1 means 4:4:4. */
  cinfo->comp_info[0].h_samp_factor = full_chroma ? 1 : 2;
  cinfo->comp_info[0].v_samp_factor = full_chroma ? 1 : 2;
  jpeg_start_compress(cinfo, TRUE);
  while (cinfo->next_scanline < cinfo->image_height) {
    jpeg_write_scanlines(cinfo, enc->rows + cinfo->next_scanline, cinfo->image_height - cinfo->next_scanline);
  }
  jpeg_finish_compress(cinfo);

  napi_value out;
  NAPI_CALL(env, napi_create_buffer_copy(env, enc->dest.length, enc->dest.buf, NULL, &out));
  return out;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"createEncoder", NULL, create_encoder, NULL, NULL, NULL, napi_enumerable, NULL},
      {"encode", NULL, encode, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
