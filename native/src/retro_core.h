/*
 * One loaded libretro core running one game: the instance behind a LibretroEmulator.
 *
 * Isolation. A libretro core keeps its machine in globals, and dlopen() of a path that is already
 * loaded returns the same handle, so two envs on one core file would share one Game Boy. Each
 * instance therefore dlopen()s its own private copy of the core file (mkstemp in a temp dir,
 * RTLD_LOCAL, unlinked right after dlopen). The copy's globals are this instance's alone.
 *
 * Callbacks. libretro callbacks carry no user-data pointer. The frontend keeps a thread-local
 * "current instance" that is set around every call into a core (core_enter/core_leave) and read
 * by the callbacks. This is sound because a core is only ever called from the one JS thread that
 * owns its instance, one call at a time; a callback arriving on a thread the core made itself
 * (none of gambatte's do) finds no current instance and is ignored.
 */
#ifndef GBSTREAM_RETRO_CORE_H
#define GBSTREAM_RETRO_CORE_H

#include "libretro_api.h"

#define CORE_MAX_MAPS 32
#define CORE_MESSAGES_CAP 8192
/* Bytes of the message buffer kept for the "(N more messages dropped)" note itself. */
#define CORE_NOTE_RESERVE 64
#define CORE_ERROR_CAP 1024

/* Where the gambatte save-state layout keeps what the bus needs (see retro_bus.c). */
typedef struct {
  bool known;
  size_t hram;    /* 0x200 bytes: 0xFE00-0xFFFF (OAM, I/O registers, HRAM, IE) */
  size_t rombank; /* 2 bytes, big-endian */
  size_t rambank; /* 1 byte */
  size_t sramon;  /* 1 byte: cartridge RAM enabled */
  size_t sram;
  size_t sram_len;
  size_t vram; /* 0x4000 bytes: both CGB banks */
} state_layout;

typedef struct retro_core {
  void *lib;
  /* the core's entry points */
  void (*set_environment)(retro_environment_t);
  void (*set_video_refresh)(retro_video_refresh_t);
  void (*set_audio_sample)(retro_audio_sample_t);
  void (*set_audio_sample_batch)(retro_audio_sample_batch_t);
  void (*set_input_poll)(retro_input_poll_t);
  void (*set_input_state)(retro_input_state_t);
  void (*init)(void);
  void (*deinit)(void);
  unsigned (*api_version)(void);
  void (*get_system_info)(struct retro_system_info *);
  bool (*load_game)(const struct retro_game_info *);
  void (*unload_game)(void);
  void (*run)(void);
  void (*reset)(void);
  size_t (*serialize_size)(void);
  bool (*serialize)(void *, size_t);
  bool (*unserialize)(const void *, size_t);
  void *(*get_memory_data)(unsigned);
  size_t (*get_memory_size)(unsigned);

  bool inited;
  bool loaded;
  char library_name[64];
  char library_version[64];
  char tmp_dir[1024];
  char system_dir[1024];
  char save_dir[1024];

  enum retro_pixel_format format;
  uint8_t *frame; /* last frame, packed rows, in `frame_format` */
  enum retro_pixel_format frame_format;
  size_t frame_capacity;
  unsigned frame_width;
  unsigned frame_height;
  bool have_frame;

  uint16_t buttons; /* held RetroPad buttons, bit n = RETRO_DEVICE_ID_JOYPAD n */
  unsigned long long video_calls;
  unsigned long long dupes;
  bool rerun_dupes; /* gambatte's dupes emulate nothing: run again (see core_run) */
  bool hw_noted;    /* told once that the core sends GPU frames, which carry no pixels */

  struct retro_memory_descriptor maps[CORE_MAX_MAPS];
  unsigned num_maps;

  /* What the core said (log interface, captured stdout/stderr), drained by JS. */
  char messages[CORE_MESSAGES_CAP];
  size_t messages_len;
  unsigned messages_dropped;

  /* Bus: ROM copy, CGB flag, a save-state snapshot refreshed lazily after each run. */
  uint8_t *rom;
  size_t rom_size;
  bool cgb;
  state_layout layout;
  uint8_t *snap;
  size_t snap_size;
  bool snap_valid;
} retro_core;

/* All return NULL/false on failure and leave a message in `err` (CORE_ERROR_CAP bytes). */
retro_core *core_open(const char *core_path, const char *tmp_dir, const char *system_dir,
                      const char *save_dir, char *err);
bool core_load_game(retro_core *c, const uint8_t *rom, size_t size, const char *path, char *err);
void core_run(retro_core *c, unsigned frames, uint16_t buttons);
void core_reset(retro_core *c);
size_t core_state_size(retro_core *c);
bool core_save_state(retro_core *c, void *out, size_t size);
bool core_load_state(retro_core *c, const void *data, size_t size);
void core_close(retro_core *c);
/* Converts the last frame to packed RGB (3 bytes/pixel); false when no frame has arrived yet. */
bool core_frame_rgb(const retro_core *c, uint8_t *out, size_t out_size);
/* The last frame as one gray byte a pixel ((77 r + 150 g + 29 b) >> 8); false without a frame or room. */
bool core_frame_gray(const retro_core *c, uint8_t *out, size_t out_size);
void *core_memory(retro_core *c, unsigned id, size_t *size);

/* retro_messages.c */
void core_message(retro_core *c, const char *prefix, const char *text);
/* Adds "(N more messages dropped)" when some were, in room core_message never fills. */
void core_note_dropped(retro_core *c);
/* Points fds 1 and 2 at a temp file between begin and end; its text becomes core messages. */
typedef struct {
  int saved_out, saved_err, file;
} capture;
void capture_begin(retro_core *c, capture *cap);
void capture_end(retro_core *c, capture *cap);

/* retro_bus.c */
void bus_init(retro_core *c);
uint8_t bus_read(retro_core *c, uint16_t address);
uint8_t bus_read_wram_bank(retro_core *c, unsigned bank, uint16_t address);

#endif
