// PNG reading and writing with libpng. libpng reports errors by longjmp; the
// setjmp scopes live in png_io.cpp in functions with trivially destructible
// locals only, so no C++ destructor is ever skipped.
#pragma once

#include <cstddef>
#include <cstdint>

#include "media/image.h"

namespace nmc::media {

// True when `head` (n bytes, the start of a file) carries the PNG signature.
bool is_png_signature(const uint8_t* head, size_t n);
// True when the file at `path` starts with the PNG signature (false when it
// cannot be read).
bool file_has_png_signature(const char* path);

// Decodes the PNG file `path` to 8-bit samples: palette -> RGB(A), gray below
// 8 bits expanded, tRNS -> alpha, 16-bit samples rounded (png_set_scale_16),
// interlacing resolved; then convert_channels(desired_channels) (0 = stored).
// Size limits are checked from the header before pixel memory is allocated.
// Truncated or corrupt files (bad CRC in critical chunks, short data) fail
// with InvalidData.
Result<Image> read_png(const char* path, int desired_channels, const HostAllocator* alloc);

// Width, height and the channel count read_png(path, 0) produces, from the
// header alone.
struct PngInfo {
  int width = 0;
  int height = 0;
  int channels = 0;
};
Result<PngInfo> read_png_info(const char* path);

// Writes `height` rows of width * channels bytes (`stride` apart) as an 8-bit
// gray (1), RGB (3) or RGBA (4) PNG, replacing `path`.
Status write_png(const char* path, const uint8_t* data, int width, int height, int channels, size_t stride);

}  // namespace nmc::media
