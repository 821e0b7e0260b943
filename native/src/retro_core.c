/*
 * Loading a private copy of a libretro core, the callbacks it calls, and running it. See
 * retro_core.h for why each instance has its own copy and how callbacks find their instance.
 */
#define _GNU_SOURCE
#include "retro_core.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The instance whose core this thread is calling right now (NULL outside such a call). */
static _Thread_local retro_core *current;

static retro_core *core_enter(retro_core *c) {
  retro_core *prev = current;
  current = c;
  return prev;
}
static void core_leave(retro_core *prev) { current = prev; }

#define ERR(...) snprintf(err, CORE_ERROR_CAP, __VA_ARGS__)

static void on_log(enum retro_log_level level, const char *fmt, ...) {
  if (current == NULL || fmt == NULL) return;
  static const char *const names[] = {"debug: ", "info: ", "warn: ", "error: "};
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  core_message(current, (unsigned)level < 4 ? names[level] : "log: ", line);
}

/* ---- callbacks -------------------------------------------------------------------------------- */

static bool on_environment(unsigned cmd, void *data) {
  retro_core *c = current;
  if (c == NULL) return false;
  /* Every command below reads or writes through `data`; a core passing NULL gets a refusal. */
  if (data == NULL && cmd != RETRO_ENVIRONMENT_GET_CAN_DUPE && cmd != RETRO_ENVIRONMENT_GET_INPUT_BITMASKS) return false;
  switch (cmd) {
    case RETRO_ENVIRONMENT_GET_CAN_DUPE: /* gambatte refuses to load without it */
      if (data) *(bool *)data = true;
      return true;
    case RETRO_ENVIRONMENT_GET_OVERSCAN:
      if (data) *(bool *)data = false;
      return true;
    case RETRO_ENVIRONMENT_SET_PIXEL_FORMAT: {
      /* All three formats are converted to RGB on demand; Debian's gambatte asks for RGB565. */
      enum retro_pixel_format f = *(const enum retro_pixel_format *)data;
      if (f != RETRO_PIXEL_FORMAT_XRGB8888 && f != RETRO_PIXEL_FORMAT_RGB565 && f != RETRO_PIXEL_FORMAT_0RGB1555)
        return false;
      c->format = f;
      return true;
    }
    case RETRO_ENVIRONMENT_GET_LOG_INTERFACE:
      ((struct retro_log_callback *)data)->log = on_log;
      return true;
    case RETRO_ENVIRONMENT_GET_SYSTEM_DIRECTORY:
      *(const char **)data = c->system_dir;
      return true;
    case RETRO_ENVIRONMENT_GET_SAVE_DIRECTORY:
    case RETRO_ENVIRONMENT_GET_CORE_ASSETS_DIRECTORY:
      *(const char **)data = c->save_dir;
      return true;
    case RETRO_ENVIRONMENT_GET_VARIABLE: /* no options set: every core option keeps its default */
      if (data) ((struct retro_variable *)data)->value = NULL;
      return false;
    case RETRO_ENVIRONMENT_GET_VARIABLE_UPDATE: /* asked every frame; must be cheap */
      if (data) *(bool *)data = false;
      return true;
    case RETRO_ENVIRONMENT_GET_INPUT_BITMASKS:
      return true;
    case RETRO_ENVIRONMENT_SET_MEMORY_MAPS: {
      const struct retro_memory_map *map = data;
      if (map->descriptors == NULL) return false;
      unsigned n = map->num_descriptors < CORE_MAX_MAPS ? map->num_descriptors : CORE_MAX_MAPS;
      for (unsigned i = 0; i < n; i++) {
        c->maps[i] = map->descriptors[i];
        c->maps[i].addrspace = NULL; /* the core's string; not kept */
      }
      c->num_maps = n;
      return true;
    }
    case RETRO_ENVIRONMENT_SET_VARIABLES:
    case RETRO_ENVIRONMENT_SET_INPUT_DESCRIPTORS:
    case RETRO_ENVIRONMENT_SET_CONTROLLER_INFO:
    case RETRO_ENVIRONMENT_SET_PERFORMANCE_LEVEL:
    case RETRO_ENVIRONMENT_SET_SUPPORT_ACHIEVEMENTS:
      return true; /* noted, nothing to do */
    default:
      return false;
  }
}

static size_t bytes_per_pixel(enum retro_pixel_format f) { return f == RETRO_PIXEL_FORMAT_XRGB8888 ? 4 : 2; }

static void on_video(const void *data, unsigned width, unsigned height, size_t pitch) {
  retro_core *c = current;
  if (c == NULL) return;
  c->video_calls++;
  if (data == NULL) { /* a duplicate of the previous frame (we answered GET_CAN_DUPE) */
    c->dupes++;
    return;
  }
  if (data == RETRO_HW_FRAME_BUFFER_VALID) { /* drawn on a GPU we never offered: no pixels to copy */
    if (!c->hw_noted) core_message(c, "warn: ", "the core sends hardware-rendered frames; gbstream gets no pixels from them");
    c->hw_noted = true;
    return;
  }
  size_t row = (size_t)width * bytes_per_pixel(c->format);
  if (width == 0 || height == 0 || pitch < row) return;
  size_t need = row * height;
  if (need > c->frame_capacity) {
    uint8_t *grown = realloc(c->frame, need);
    if (grown == NULL) return; /* keep the old frame rather than crash */
    c->frame = grown;
    c->frame_capacity = need;
  }
  const uint8_t *src = data;
  for (unsigned y = 0; y < height; y++) memcpy(c->frame + y * row, src + y * pitch, row);
  c->frame_width = width;
  c->frame_height = height;
  c->frame_format = c->format; /* a core may switch formats; the copy keeps the one it was made in */
  c->have_frame = true;
}

/* Nobody hears gbstream's games: audio is taken and dropped. */
static void on_audio_sample(int16_t left, int16_t right) { (void)left, (void)right; }
static size_t on_audio_batch(const int16_t *data, size_t frames) { return (void)data, frames; }
static void on_input_poll(void) {}

static int16_t on_input_state(unsigned port, unsigned device, unsigned index, unsigned id) {
  retro_core *c = current;
  if (c == NULL || port != 0 || (device & 0xff) != RETRO_DEVICE_JOYPAD || index != 0) return 0;
  if (id == RETRO_DEVICE_ID_JOYPAD_MASK) return (int16_t)c->buttons;
  return id < 16 ? (c->buttons >> id) & 1 : 0;
}

/* ---- lifecycle -------------------------------------------------------------------------------- */

/* Copies the core file to a fresh temp file; returns its path in `out` (caller unlinks). */
static bool copy_core(const char *src, const char *tmp_dir, char *out, size_t out_size, char *err) {
  int in = open(src, O_RDONLY | O_CLOEXEC);
  if (in < 0) return ERR("cannot open core file %s: %s", src, strerror(errno)), false;
  snprintf(out, out_size, "%s/gbstream-core-XXXXXX.so", tmp_dir);
  int fd = mkstemps(out, 3);
  if (fd < 0) {
    ERR("cannot create a private copy of the core in %s: %s", tmp_dir, strerror(errno));
    close(in);
    return false;
  }
  char buf[65536];
  ssize_t n;
  bool ok = true;
  while ((n = read(in, buf, sizeof buf)) > 0) {
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(fd, buf + done, (size_t)(n - done));
      if (w <= 0) {
        ok = false;
        break;
      }
      done += w;
    }
    if (!ok) break;
  }
  if (n < 0 || !ok) ERR("cannot copy core file %s to %s: %s", src, out, strerror(errno)), ok = false;
  close(in);
  if (close(fd) != 0 && ok) ERR("cannot write %s: %s", out, strerror(errno)), ok = false;
  if (!ok) unlink(out);
  return ok;
}

#define SYM(field, name)                                                                          \
  do {                                                                                            \
    *(void **)&c->field = dlsym(c->lib, name);                                                    \
    if (c->field == NULL) {                                                                       \
      ERR("%s is not a libretro core: it has no %s()", core_path, name);                          \
      goto fail;                                                                                  \
    }                                                                                             \
  } while (0)

retro_core *core_open(const char *core_path, const char *tmp_dir, const char *system_dir,
                      const char *save_dir, char *err) {
  retro_core *c = calloc(1, sizeof *c);
  if (c == NULL) return ERR("out of memory"), NULL;
  snprintf(c->tmp_dir, sizeof c->tmp_dir, "%s", tmp_dir);
  snprintf(c->system_dir, sizeof c->system_dir, "%s", system_dir);
  snprintf(c->save_dir, sizeof c->save_dir, "%s", save_dir);
  c->format = RETRO_PIXEL_FORMAT_0RGB1555; /* the libretro default until the core says otherwise */

  char copy[1100];
  if (!copy_core(core_path, tmp_dir, copy, sizeof copy, err)) goto fail;
  /* DEEPBIND: the core's own symbols first. Node exports zlib's (deflate, crc32, zlibVersion…);
   * a core that bundles its own zlib would otherwise call Node's. */
  c->lib = dlopen(copy, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  unlink(copy); /* the mapping keeps it alive; nothing is left on disk, even after a crash */
  if (c->lib == NULL) {
    const char *why = dlerror();
    if (why == NULL) why = "dlopen failed";
    size_t copy_len = strlen(copy); /* dlerror names the private copy; the user knows the original */
    if (strncmp(why, copy, copy_len) == 0 && strncmp(why + copy_len, ": ", 2) == 0) why += copy_len + 2;
    /* mmap of an executable segment fails on a noexec mount (common for /tmp in containers). */
    bool noexec = strstr(why, "failed to map segment") != NULL || strstr(why, "Operation not permitted") != NULL;
    ERR("cannot load core %s: %s%s%s%s", core_path, why, noexec ? " (its private copy is made in " : "",
        noexec ? tmp_dir : "", noexec ? ", which may be mounted noexec: set TMPDIR to a directory that allows executables)" : "");
    goto fail;
  }
  SYM(set_environment, "retro_set_environment");
  SYM(set_video_refresh, "retro_set_video_refresh");
  SYM(set_audio_sample, "retro_set_audio_sample");
  SYM(set_audio_sample_batch, "retro_set_audio_sample_batch");
  SYM(set_input_poll, "retro_set_input_poll");
  SYM(set_input_state, "retro_set_input_state");
  SYM(init, "retro_init");
  SYM(deinit, "retro_deinit");
  SYM(api_version, "retro_api_version");
  SYM(get_system_info, "retro_get_system_info");
  SYM(load_game, "retro_load_game");
  SYM(unload_game, "retro_unload_game");
  SYM(run, "retro_run");
  SYM(reset, "retro_reset");
  SYM(serialize_size, "retro_serialize_size");
  SYM(serialize, "retro_serialize");
  SYM(unserialize, "retro_unserialize");
  SYM(get_memory_data, "retro_get_memory_data");
  SYM(get_memory_size, "retro_get_memory_size");

  retro_core *prev = core_enter(c);
  unsigned api = c->api_version();
  if (api != RETRO_API_VERSION) {
    core_leave(prev);
    ERR("core %s speaks libretro API %u; gbstream speaks %u", core_path, api, RETRO_API_VERSION);
    goto fail;
  }
  struct retro_system_info info = {0};
  c->get_system_info(&info);
  snprintf(c->library_name, sizeof c->library_name, "%s", info.library_name ? info.library_name : "");
  snprintf(c->library_version, sizeof c->library_version, "%s", info.library_version ? info.library_version : "");
  c->rerun_dupes = strcasecmp(c->library_name, "gambatte") == 0;
  c->set_environment(on_environment);
  c->set_video_refresh(on_video);
  c->set_audio_sample(on_audio_sample);
  c->set_audio_sample_batch(on_audio_batch);
  c->set_input_poll(on_input_poll);
  c->set_input_state(on_input_state);
  capture cap;
  capture_begin(c, &cap);
  c->init();
  capture_end(c, &cap);
  c->inited = true;
  core_leave(prev);
  return c;

fail:
  core_close(c);
  return NULL;
}

bool core_load_game(retro_core *c, const uint8_t *rom, size_t size, const char *path, char *err) {
  free(c->rom); /* the copy a refused load left: the core did not take it */
  c->rom = malloc(size ? size : 1);
  if (c->rom == NULL) return ERR("out of memory"), false;
  memcpy(c->rom, rom, size);
  c->rom_size = size;
  /* The core reads the ROM from `data`; some keep the pointer, so it is ours for the core's life. */
  struct retro_game_info game = {.path = path, .data = c->rom, .size = size, .meta = NULL};
  retro_core *prev = core_enter(c);
  capture cap;
  capture_begin(c, &cap);
  bool ok = c->load_game(&game);
  capture_end(c, &cap);
  core_leave(prev);
  if (!ok) return ERR("the core refused the ROM"), false;
  c->loaded = true;
  /* gambatte's "auto" hardware mode runs a ROM as CGB exactly when header byte 0x143 has bit 7. */
  c->cgb = size > 0x143 && (rom[0x143] & 0x80) != 0;
  bus_init(c);
  return true;
}

void core_run(retro_core *c, unsigned frames, uint16_t buttons) {
  retro_core *prev = core_enter(c);
  c->buttons = buttons;
  for (unsigned i = 0; i < frames; i++) {
    /* gambatte answers some retro_run()s with a duplicate frame *without emulating*, to keep its
     * frame count on its sample count; those counters are core globals outside the save state, so
     * after a load the dupes land elsewhere and replays diverge. Running again until a real frame
     * comes makes one step one emulated frame, a function of the machine state alone. (For other
     * cores a dupe is a real frame whose picture did not change.) */
    unsigned long long dupes = c->dupes;
    c->run();
    for (int again = 0; c->rerun_dupes && c->dupes != dupes && again < 4; again++) {
      dupes = c->dupes;
      c->run();
    }
  }
  c->snap_valid = false;
  core_leave(prev);
}

void core_reset(retro_core *c) {
  retro_core *prev = core_enter(c);
  c->reset();
  c->snap_valid = false;
  core_leave(prev);
}

size_t core_state_size(retro_core *c) {
  retro_core *prev = core_enter(c);
  size_t n = c->serialize_size();
  core_leave(prev);
  return n;
}

bool core_save_state(retro_core *c, void *out, size_t size) {
  retro_core *prev = core_enter(c);
  bool ok = c->serialize(out, size);
  core_leave(prev);
  return ok;
}

bool core_load_state(retro_core *c, const void *data, size_t size) {
  retro_core *prev = core_enter(c);
  bool ok = c->unserialize(data, size);
  c->snap_valid = false;
  core_leave(prev);
  return ok;
}

void *core_memory(retro_core *c, unsigned id, size_t *size) {
  retro_core *prev = core_enter(c);
  void *p = c->get_memory_data(id);
  *size = p ? c->get_memory_size(id) : 0;
  core_leave(prev);
  return p;
}

void core_close(retro_core *c) {
  if (c == NULL) return;
  if (c->lib != NULL) {
    retro_core *prev = core_enter(c);
    if (c->loaded) c->unload_game();
    if (c->inited) c->deinit();
    core_leave(prev);
    dlclose(c->lib);
  }
  free(c->frame);
  free(c->rom);
  free(c->snap);
  free(c);
}
