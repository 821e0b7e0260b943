/*
 * gbstream_libretro: a small N-API addon that runs a libretro core (e.g. Debian's gambatte) in
 * process. This file is only the JS boundary: argument checks, handles and errors. Loading and
 * running a core is retro_core.c, memory reads retro_bus.c. Wrapped by src/emulator/libretro.ts.
 *
 * JS API (every function takes the handle from open() first):
 *   open(corePath, tmpDir, systemDir, saveDir) -> handle      loads a private copy of the core
 *   info(h) -> { libraryName, libraryVersion, pixelFormat, memoryMaps, busFromState }
 *   loadGame(h, rom: Uint8Array, path) -> undefined             throws when the core refuses it
 *   run(h, frames, buttons)            runs `frames` retro_run()s holding the RetroPad bitmask
 *   screen(h, out: Uint8Array) -> boolean                       last frame as RGB into `out`
 *   screenGray(h, out: Uint8Array) -> boolean                   last frame as gray bytes into `out`
 *   frameSize(h) -> [width, height]     counters(h) -> [videoCalls, dupes]
 *   saveState(h) -> Buffer              loadState(h, bytes) -> boolean        reset(h)
 *   read(h, address) -> byte            readWram(h, bank, address) -> byte
 *   messages(h) -> string               what the core said since the last call, one per line
 *   close(h)                            frees the core copy; later calls throw; idempotent
 *
 * Errors carry codes: GBS_ERR_NATIVE_ARG (bad arguments), GBS_ERR_CORE_LOAD (no such file, not
 * a core, wrong API), GBS_ERR_CORE_REFUSED (the core would not load the ROM), GBS_ERR_CORE_SAVE
 * (the core cannot or did not save its state), GBS_ERR_CORE_CLOSED.
 * A core is called only from the thread that opened it (see retro_core.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>

#include "retro_core.h"

#define ARG_CODE "GBS_ERR_NATIVE_ARG"
#define LOAD_CODE "GBS_ERR_CORE_LOAD"
#define REFUSED_CODE "GBS_ERR_CORE_REFUSED"
#define CLOSED_CODE "GBS_ERR_CORE_CLOSED"
#define SAVE_CODE "GBS_ERR_CORE_SAVE"
#define PATH_CAP 1024

static const napi_type_tag CORE_TAG = {0x6762737472657472ULL, 0x6f5f636f72655f31ULL};

typedef struct {
  retro_core *core; /* NULL once closed */
} handle;

static void handle_finalize(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  handle *h = data;
  core_close(h->core);
  free(h);
}

#define NAPI_OK(call)                                                                             \
  do {                                                                                            \
    if ((call) != napi_ok) {                                                                      \
      bool pending_ = false;                                                                      \
      napi_is_exception_pending(env, &pending_);                                                  \
      if (!pending_) napi_throw_error(env, ARG_CODE, "N-API call failed: " #call);                \
      return NULL;                                                                                \
    }                                                                                             \
  } while (0)

static bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return false;
  if (argc < want) {
    char msg[64];
    snprintf(msg, sizeof msg, "Expected %zu arguments, got %zu", want, argc);
    napi_throw_type_error(env, ARG_CODE, msg);
    return false;
  }
  return true;
}

static retro_core *get_core(napi_env env, napi_value v) {
  napi_valuetype t;
  bool tagged = false;
  void *data = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_object ||
      napi_check_object_type_tag(env, v, &CORE_TAG, &tagged) != napi_ok || !tagged ||
      napi_unwrap(env, v, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, ARG_CODE, "Expected a handle from open()");
    return NULL;
  }
  handle *h = data;
  if (h->core == NULL) napi_throw_error(env, CLOSED_CODE, "this libretro core was closed");
  return h->core;
}

static bool get_string(napi_env env, napi_value v, const char *name, char *out, size_t cap) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, out, cap, &len) != napi_ok || len == 0 || len >= cap - 1) {
    char msg[128];
    snprintf(msg, sizeof msg, "Expected `%s` to be a non-empty string under %zu bytes", name, cap - 1);
    napi_throw_type_error(env, ARG_CODE, msg);
    return false;
  }
  return true;
}

static bool get_uint(napi_env env, napi_value v, const char *name, uint32_t max, uint32_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || d != d || d < 0 || d > max || d != (double)(uint32_t)d) {
    char msg[128];
    snprintf(msg, sizeof msg, "Expected `%s` to be an integer 0-%u", name, max);
    napi_throw_range_error(env, ARG_CODE, msg);
    return false;
  }
  *out = (uint32_t)d;
  return true;
}

static bool get_bytes(napi_env env, napi_value v, const char *name, uint8_t **data, size_t *len) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *p = NULL;
  if (napi_is_typedarray(env, v, &is_typed) == napi_ok && is_typed &&
      napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) == napi_ok && type == napi_uint8_array) {
    *data = p;
    return true;
  }
  char msg[96];
  snprintf(msg, sizeof msg, "Expected `%s` to be a Uint8Array", name);
  napi_throw_type_error(env, ARG_CODE, msg);
  return false;
}

static napi_value number(napi_env env, double d) {
  napi_value v = NULL;
  napi_create_double(env, d, &v);
  return v;
}

/* ---- functions -------------------------------------------------------------------------------- */

static napi_value js_open(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  char path[PATH_CAP], tmp[PATH_CAP], sys[PATH_CAP], save[PATH_CAP], err[CORE_ERROR_CAP] = "";
  if (!get_args(env, info, 4, argv) || !get_string(env, argv[0], "corePath", path, sizeof path) ||
      !get_string(env, argv[1], "tmpDir", tmp, sizeof tmp) || !get_string(env, argv[2], "systemDir", sys, sizeof sys) ||
      !get_string(env, argv[3], "saveDir", save, sizeof save))
    return NULL;
  handle *h = calloc(1, sizeof *h);
  if (h == NULL) return napi_throw_error(env, LOAD_CODE, "out of memory"), NULL;
  h->core = core_open(path, tmp, sys, save, err);
  if (h->core == NULL) {
    free(h);
    napi_throw_error(env, LOAD_CODE, err);
    return NULL;
  }
  napi_value obj;
  if (napi_create_object(env, &obj) != napi_ok || napi_wrap(env, obj, h, handle_finalize, NULL, NULL) != napi_ok) {
    core_close(h->core);
    free(h);
    napi_throw_error(env, LOAD_CODE, "cannot create the core handle");
    return NULL;
  }
  NAPI_OK(napi_type_tag_object(env, obj, &CORE_TAG));
  return obj;
}

static napi_value js_info(napi_env env, napi_callback_info info) {
  napi_value argv[1], obj, v;
  retro_core *c;
  if (!get_args(env, info, 1, argv) || (c = get_core(env, argv[0])) == NULL) return NULL;
  NAPI_OK(napi_create_object(env, &obj));
  NAPI_OK(napi_create_string_utf8(env, c->library_name, NAPI_AUTO_LENGTH, &v));
  NAPI_OK(napi_set_named_property(env, obj, "libraryName", v));
  NAPI_OK(napi_create_string_utf8(env, c->library_version, NAPI_AUTO_LENGTH, &v));
  NAPI_OK(napi_set_named_property(env, obj, "libraryVersion", v));
  static const char *const formats[] = {"0RGB1555", "XRGB8888", "RGB565"};
  NAPI_OK(napi_create_string_utf8(env, formats[c->format], NAPI_AUTO_LENGTH, &v));
  NAPI_OK(napi_set_named_property(env, obj, "pixelFormat", v));
  NAPI_OK(napi_set_named_property(env, obj, "memoryMaps", number(env, c->num_maps)));
  NAPI_OK(napi_get_boolean(env, c->layout.known, &v));
  NAPI_OK(napi_set_named_property(env, obj, "busFromState", v));
  return obj;
}

static napi_value js_load_game(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  retro_core *c;
  uint8_t *rom;
  size_t len;
  char path[PATH_CAP], err[CORE_ERROR_CAP] = "";
  if (!get_args(env, info, 3, argv) || (c = get_core(env, argv[0])) == NULL ||
      !get_bytes(env, argv[1], "rom", &rom, &len) || !get_string(env, argv[2], "path", path, sizeof path))
    return NULL;
  if (c->loaded) return napi_throw_error(env, ARG_CODE, "a game is already loaded on this core"), NULL;
  if (!core_load_game(c, rom, len, path, err)) napi_throw_error(env, REFUSED_CODE, err);
  return NULL;
}

static napi_value js_run(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  retro_core *c;
  uint32_t frames, buttons;
  if (!get_args(env, info, 3, argv) || (c = get_core(env, argv[0])) == NULL ||
      !get_uint(env, argv[1], "frames", 1u << 24, &frames) || !get_uint(env, argv[2], "buttons", 0xffff, &buttons))
    return NULL;
  if (!c->loaded) return napi_throw_error(env, ARG_CODE, "no game is loaded"), NULL;
  core_run(c, frames, (uint16_t)buttons);
  return NULL;
}

/* The last frame into `out` at `channels` bytes a pixel (RGB 3, gray 1) by `convert`; false before any frame. */
static napi_value screen_into(napi_env env, napi_callback_info info, size_t channels, const char *what,
                              bool (*convert)(const retro_core *, uint8_t *, size_t)) {
  napi_value argv[2], result;
  retro_core *c;
  uint8_t *out;
  size_t len;
  if (!get_args(env, info, 2, argv) || (c = get_core(env, argv[0])) == NULL || !get_bytes(env, argv[1], "out", &out, &len))
    return NULL;
  if (c->have_frame && len < (size_t)c->frame_width * c->frame_height * channels) {
    char msg[128];
    snprintf(msg, sizeof msg, "Expected `out` to hold %ux%u %s pixels, got %zu bytes", c->frame_width, c->frame_height, what, len);
    return napi_throw_range_error(env, ARG_CODE, msg), NULL;
  }
  NAPI_OK(napi_get_boolean(env, convert(c, out, len), &result));
  return result;
}

static napi_value js_screen(napi_env env, napi_callback_info info) { return screen_into(env, info, 3, "RGB", core_frame_rgb); }

static napi_value js_screen_gray(napi_env env, napi_callback_info info) { return screen_into(env, info, 1, "gray", core_frame_gray); }

static napi_value pair(napi_env env, double a, double b) {
  napi_value arr;
  if (napi_create_array_with_length(env, 2, &arr) != napi_ok) return NULL;
  napi_set_element(env, arr, 0, number(env, a));
  napi_set_element(env, arr, 1, number(env, b));
  return arr;
}

static napi_value js_frame_size(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  retro_core *c;
  if (!get_args(env, info, 1, argv) || (c = get_core(env, argv[0])) == NULL) return NULL;
  return pair(env, c->have_frame ? c->frame_width : 0, c->have_frame ? c->frame_height : 0);
}

static napi_value js_counters(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  retro_core *c;
  if (!get_args(env, info, 1, argv) || (c = get_core(env, argv[0])) == NULL) return NULL;
  return pair(env, (double)c->video_calls, (double)c->dupes);
}

static napi_value js_save_state(napi_env env, napi_callback_info info) {
  napi_value argv[1], buf;
  retro_core *c;
  void *data;
  if (!get_args(env, info, 1, argv) || (c = get_core(env, argv[0])) == NULL) return NULL;
  size_t size = core_state_size(c);
  if (size == 0) return napi_throw_error(env, SAVE_CODE, "this core cannot save states"), NULL;
  NAPI_OK(napi_create_buffer(env, size, &data, &buf));
  if (!core_save_state(c, data, size)) return napi_throw_error(env, SAVE_CODE, "the core failed to save its state"), NULL;
  return buf;
}

static napi_value js_load_state(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  retro_core *c;
  uint8_t *data;
  size_t len;
  if (!get_args(env, info, 2, argv) || (c = get_core(env, argv[0])) == NULL || !get_bytes(env, argv[1], "state", &data, &len))
    return NULL;
  /* Checked here too: a core given the wrong size may read past the end of `data`. */
  bool ok = len == core_state_size(c) && core_load_state(c, data, len);
  NAPI_OK(napi_get_boolean(env, ok, &result));
  return result;
}

static napi_value js_reset(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  retro_core *c;
  if (!get_args(env, info, 1, argv) || (c = get_core(env, argv[0])) == NULL) return NULL;
  core_reset(c);
  return NULL;
}

static napi_value js_read(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  retro_core *c;
  uint32_t address;
  if (!get_args(env, info, 2, argv) || (c = get_core(env, argv[0])) == NULL ||
      !get_uint(env, argv[1], "address", 0xffff, &address))
    return NULL;
  return number(env, bus_read(c, (uint16_t)address));
}

static napi_value js_read_wram(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  retro_core *c;
  uint32_t bank, address;
  if (!get_args(env, info, 3, argv) || (c = get_core(env, argv[0])) == NULL ||
      !get_uint(env, argv[1], "bank", 7, &bank) || !get_uint(env, argv[2], "address", 0xffff, &address))
    return NULL;
  return number(env, bus_read_wram_bank(c, bank, (uint16_t)address));
}

static napi_value js_messages(napi_env env, napi_callback_info info) {
  napi_value argv[1], s;
  retro_core *c;
  if (!get_args(env, info, 1, argv) || (c = get_core(env, argv[0])) == NULL) return NULL;
  core_note_dropped(c);
  NAPI_OK(napi_create_string_utf8(env, c->messages, c->messages_len, &s));
  c->messages_len = 0;
  return s;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *data = NULL;
  if (!get_args(env, info, 1, argv)) return NULL;
  bool tagged = false;
  if (napi_check_object_type_tag(env, argv[0], &CORE_TAG, &tagged) != napi_ok || !tagged ||
      napi_unwrap(env, argv[0], &data) != napi_ok || data == NULL)
    return napi_throw_type_error(env, ARG_CODE, "Expected a handle from open()"), NULL;
  handle *h = data;
  core_close(h->core);
  h->core = NULL;
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_enumerable, NULL},
      {"loadGame", NULL, js_load_game, NULL, NULL, NULL, napi_enumerable, NULL},
      {"run", NULL, js_run, NULL, NULL, NULL, napi_enumerable, NULL},
      {"screen", NULL, js_screen, NULL, NULL, NULL, napi_enumerable, NULL},
      {"screenGray", NULL, js_screen_gray, NULL, NULL, NULL, napi_enumerable, NULL},
      {"frameSize", NULL, js_frame_size, NULL, NULL, NULL, napi_enumerable, NULL},
      {"counters", NULL, js_counters, NULL, NULL, NULL, napi_enumerable, NULL},
      {"saveState", NULL, js_save_state, NULL, NULL, NULL, napi_enumerable, NULL},
      {"loadState", NULL, js_load_state, NULL, NULL, NULL, napi_enumerable, NULL},
      {"reset", NULL, js_reset, NULL, NULL, NULL, napi_enumerable, NULL},
      {"read", NULL, js_read, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readWram", NULL, js_read_wram, NULL, NULL, NULL, napi_enumerable, NULL},
      {"messages", NULL, js_messages, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
