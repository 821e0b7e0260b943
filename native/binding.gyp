{
  "variables": {
    "with_libretro%": "<!(node -p \"process.env.GBSTREAM_SKIP_LIBRETRO ? 0 : 1\")"
  },
  "targets": [
    {
      "target_name": "gbstream_jpeg",
      "sources": ["src/jpeg_encoder.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-ljpeg"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-std=gnu11", "-O2"]
      }
    },
    {
      "target_name": "gbstream_png",
      "sources": ["src/png_encoder.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lz"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-std=gnu11", "-O2"]
      }
    }
  ],
  "conditions": [
    ["with_libretro==1", {
      "targets": [
        {
          "target_name": "gbstream_libretro",
          "sources": ["src/libretro_frontend.c", "src/retro_core.c", "src/retro_pixels.c", "src/retro_bus.c", "src/retro_messages.c"],
          "defines": ["NAPI_VERSION=8"],
          "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
          "libraries": ["-ldl", "-lpthread"],
          "xcode_settings": {
            "OTHER_CFLAGS": ["-std=gnu11", "-O2"]
          }
        }
      ]
    }]
  ]
}
