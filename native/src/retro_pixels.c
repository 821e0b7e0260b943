/*
 * A core's last frame (as it sent it: XRGB8888, RGB565 or 0RGB1555) converted for gbstream: packed
 * RGB for the pipeline, one gray byte a pixel for agents' observations. See retro_core.h.
 */
#include "retro_core.h"

bool core_frame_rgb(const retro_core *c, uint8_t *out, size_t out_size) {
  if (!c->have_frame) return false;
  size_t pixels = (size_t)c->frame_width * c->frame_height;
  if (out_size < pixels * 3) return false;
  if (c->frame_format == RETRO_PIXEL_FORMAT_XRGB8888) {
    const uint32_t *p = (const uint32_t *)c->frame;
    for (size_t i = 0; i < pixels; i++, out += 3) {
      uint32_t v = p[i];
      out[0] = (uint8_t)(v >> 16), out[1] = (uint8_t)(v >> 8), out[2] = (uint8_t)v;
    }
  } else {
    const uint16_t *p = (const uint16_t *)c->frame;
    bool is565 = c->frame_format == RETRO_PIXEL_FORMAT_RGB565;
    for (size_t i = 0; i < pixels; i++, out += 3) {
      unsigned v = p[i];
      /* expand 5/6-bit channels to 8 bits by repeating the high bits (full white stays 255) */
      unsigned r = is565 ? v >> 11 : (v >> 10) & 31;
      unsigned g = is565 ? (v >> 5) & 63 : (v >> 5) & 31;
      unsigned b = v & 31;
      out[0] = (uint8_t)(r << 3 | r >> 2);
      out[1] = is565 ? (uint8_t)(g << 2 | g >> 4) : (uint8_t)(g << 3 | g >> 2);
      out[2] = (uint8_t)(b << 3 | b >> 2);
    }
  }
  return true;
}

/* The same gray as encode/pixels.ts rgbToGray() of core_frame_rgb()'s bytes, in one pass:
 * (77 r + 150 g + 29 b) >> 8 on the 8-bit channels. */
static inline uint8_t gray_of(unsigned r, unsigned g, unsigned b) { return (uint8_t)((r * 77 + g * 150 + b * 29) >> 8); }

bool core_frame_gray(const retro_core *c, uint8_t *out, size_t out_size) {
  if (!c->have_frame) return false;
  size_t pixels = (size_t)c->frame_width * c->frame_height;
  if (out_size < pixels) return false;
  if (c->frame_format == RETRO_PIXEL_FORMAT_XRGB8888) {
    const uint32_t *p = (const uint32_t *)c->frame;
    for (size_t i = 0; i < pixels; i++) out[i] = gray_of((p[i] >> 16) & 255, (p[i] >> 8) & 255, p[i] & 255);
  } else {
    const uint16_t *p = (const uint16_t *)c->frame;
    bool is565 = c->frame_format == RETRO_PIXEL_FORMAT_RGB565;
    for (size_t i = 0; i < pixels; i++) {
      unsigned v = p[i];
      unsigned r = is565 ? v >> 11 : (v >> 10) & 31;
      unsigned g = is565 ? (v >> 5) & 63 : (v >> 5) & 31;
      unsigned b = v & 31;
      out[i] = gray_of(r << 3 | r >> 2, is565 ? (g << 2 | g >> 4) : (g << 3 | g >> 2), b << 3 | b >> 2);
    }
  }
  return true;
}
