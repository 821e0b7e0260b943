/*
 * Reading the Game Boy's memory bus of a libretro core as the CPU would read it now.
 *
 * What a core exposes is not enough on its own. gambatte's RETRO_MEMORY_SYSTEM_RAM is all 32 KiB
 * of CGB work RAM (bank n at n*0x1000), live; its SET_MEMORY_MAPS descriptors are fixed (0xD000
 * always points at bank 1, 0x4000 at ROM bank 1) and nothing exposes I/O registers, HRAM, the
 * cartridge RAM or the bank registers. gambatte's save state does hold all of them, as labelled
 * records ("hram" = 0xFE00-0xFFFF, "rombank", "rambank", "sramon", "sram", "vram"). So:
 *   - at load, the state is serialized once and the records' offsets are found (`layout`);
 *   - reads that need a register take a snapshot (one retro_serialize, ~50 KB) the first time
 *     after each run/reset/load and reuse it until the next one;
 *   - work RAM is read live from SYSTEM_RAM, with the bank the snapshot's SVBK (0xFF70) selects.
 * A core whose state has no such records is read through its descriptors and SYSTEM_RAM only;
 * registers then read 0xFF and 0xD000-0xDFFF reads whatever its descriptor maps there.
 *
 * Known limits: I/O registers the core computes when read (LY, DIV, STAT, TIMA on gambatte) read
 * as last stored, not as recomputed; MBC3 RTC registers read 0xFF.
 */
#include <stdlib.h>
#include <string.h>

#include "retro_core.h"

/* gambatte's state: byte 0, version byte, 24-bit thumbnail size + thumbnail, then records of
 * NUL-terminated label + 24-bit big-endian size + bytes. */
static size_t u24(const uint8_t *p) { return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2]; }

static bool find_record(const uint8_t *s, size_t n, const char *label, size_t *off, size_t *len) {
  if (n < 5) return false;
  size_t pos = 5 + u24(s + 2);
  while (pos < n) {
    const uint8_t *end = memchr(s + pos, 0, n - pos);
    if (end == NULL) return false;
    size_t label_len = (size_t)(end - (s + pos));
    size_t data = pos + label_len + 1 + 3;
    if (data > n) return false;
    size_t size = u24(s + pos + label_len + 1);
    if (size > n - data) return false;
    if (label_len == strlen(label) && memcmp(s + pos, label, label_len) == 0) {
      *off = data;
      *len = size;
      return true;
    }
    pos = data + size;
  }
  return false;
}

static bool refresh(retro_core *c) {
  if (c->snap_valid) return true;
  if (c->snap == NULL || !core_save_state(c, c->snap, c->snap_size)) return false;
  c->snap_valid = true;
  return true;
}

void bus_init(retro_core *c) {
  memset(&c->layout, 0, sizeof c->layout);
  if (strncmp(c->library_name, "gambatte", 8) != 0 && strncmp(c->library_name, "Gambatte", 8) != 0) return;
  size_t n = core_state_size(c);
  if (n == 0) return;
  c->snap = malloc(n);
  if (c->snap == NULL) return;
  c->snap_size = n;
  c->snap_valid = false;
  if (!refresh(c)) return;
  state_layout l = {0};
  size_t len, ignored;
  if (!find_record(c->snap, n, "hram", &l.hram, &len) || len != 0x200) return;
  if (!find_record(c->snap, n, "rombank", &l.rombank, &len) || len != 2) return;
  if (!find_record(c->snap, n, "rambank", &l.rambank, &len) || len != 1) return;
  if (!find_record(c->snap, n, "sramon", &l.sramon, &len) || len != 1) return;
  if (!find_record(c->snap, n, "vram", &l.vram, &len) || len != 0x4000) return;
  if (!find_record(c->snap, n, "sram", &l.sram, &l.sram_len)) return;
  (void)ignored;
  l.known = true;
  c->layout = l;
}

/* The libretro descriptor rule: subtract start, drop disconnect bits, reduce by len, add offset. */
static bool from_descriptors(const retro_core *c, size_t addr, uint8_t *out) {
  for (unsigned i = 0; i < c->num_maps; i++) {
    const struct retro_memory_descriptor *d = &c->maps[i];
    if (d->ptr == NULL) continue;
    size_t select = d->select;
    if (select == 0) {
      if (d->len == 0 || addr < d->start || addr - d->start >= d->len) continue;
    } else if ((addr & select) != (d->start & select)) {
      continue;
    }
    size_t rel = addr - d->start, compact = 0, bit = 1;
    for (size_t mask = 1; mask != 0 && mask <= rel; mask <<= 1) { /* pack the connected bits */
      if (d->disconnect & mask) continue;
      if (rel & mask) compact |= bit;
      bit <<= 1;
    }
    if (d->len != 0) {
      for (size_t top = (size_t)1 << (sizeof(size_t) * 8 - 1); compact >= d->len && top; top >>= 1)
        compact &= ~top;
      if (compact >= d->len) continue;
    }
    *out = ((const uint8_t *)d->ptr)[d->offset + compact];
    return true;
  }
  return false;
}

/* What the cartridge maps at 0x4000 for gambatte's saved bank register `raw` (header type 0x147). */
static unsigned effective_rom_bank(const retro_core *c, unsigned raw) {
  uint8_t type = c->rom_size > 0x147 ? c->rom[0x147] : 0;
  if (type == 0x00 || type == 0x08 || type == 0x09) return 1; /* no MBC: writes are ignored */
  if (type >= 0x19 && type <= 0x1e) return raw;               /* MBC5: bank 0 is selectable */
  if (type >= 0x01 && type <= 0x03) return (raw & 0x1f) == 0 ? raw | 1 : raw; /* MBC1 */
  if (type == 0x05 || type == 0x06) return (raw & 0x0f) ? raw & 0x0f : 1;     /* MBC2 */
  return raw ? raw : 1; /* MBC3 and the rest: 0 selects 1 */
}

static uint8_t snap_byte(retro_core *c, size_t off) { return c->snap[off]; }

static uint8_t read_wram(retro_core *c, unsigned bank, uint16_t address) {
  size_t size;
  const uint8_t *wram = core_memory(c, RETRO_MEMORY_SYSTEM_RAM, &size);
  size_t off = (size_t)bank * 0x1000 + (address & 0x0fff);
  if (wram != NULL && off < size) return wram[off];
  uint8_t v;
  return from_descriptors(c, address, &v) ? v : 0xff;
}

uint8_t bus_read(retro_core *c, uint16_t address) {
  const state_layout *l = &c->layout;
  if (address >= 0xe000 && address < 0xfe00) address -= 0x2000; /* echo RAM */
  if (address < 0x4000) return address < c->rom_size ? c->rom[address] : 0xff;
  if (address < 0x8000) {
    if (l->known && refresh(c)) {
      unsigned bank = effective_rom_bank(c, (unsigned)snap_byte(c, l->rombank) << 8 | snap_byte(c, l->rombank + 1));
      size_t banks = 1; /* the MBC ignores bank bits beyond the ROM's size, a power of two */
      while (banks * 0x4000 < c->rom_size) banks <<= 1;
      size_t off = (bank % banks) * 0x4000 + (address - 0x4000);
      return off < c->rom_size ? c->rom[off] : 0xff;
    }
  } else if (address < 0xa000) {
    if (l->known && refresh(c)) {
      unsigned bank = c->cgb ? snap_byte(c, l->hram + 0x14f) & 1 : 0; /* VBK */
      return snap_byte(c, l->vram + bank * 0x2000 + (address - 0x8000));
    }
  } else if (address < 0xc000) {
    if (l->known && refresh(c)) {
      if (!snap_byte(c, l->sramon) || l->sram_len == 0) return 0xff;
      size_t off = ((size_t)snap_byte(c, l->rambank) * 0x2000 + (address - 0xa000)) % l->sram_len;
      return snap_byte(c, l->sram + off);
    }
  } else if (address < 0xd000) {
    return read_wram(c, 0, address);
  } else if (address < 0xe000) {
    if (l->known && c->cgb && refresh(c)) {
      unsigned bank = snap_byte(c, l->hram + 0x170) & 7; /* SVBK; 0 selects bank 1 */
      return read_wram(c, bank ? bank : 1, address);
    }
    if (!l->known) {
      uint8_t v;
      if (from_descriptors(c, address, &v)) return v;
    }
    return read_wram(c, 1, address);
  } else if (l->known && refresh(c)) {
    return snap_byte(c, l->hram + (address - 0xfe00));
  }
  uint8_t v;
  return from_descriptors(c, address, &v) ? v : 0xff;
}

uint8_t bus_read_wram_bank(retro_core *c, unsigned bank, uint16_t address) {
  size_t size;
  core_memory(c, RETRO_MEMORY_SYSTEM_RAM, &size);
  if (!c->cgb || size < 0x8000 || address < 0xd000 || address >= 0xe000) return bus_read(c, address);
  bank &= 7;
  return read_wram(c, bank ? bank : 1, address);
}
