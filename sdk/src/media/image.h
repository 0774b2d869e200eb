// Image: the 8-bit interleaved pixel buffer behind nmc_image, plus the checks
// and channel conversions every reader shares.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nmc/kernels/status.h"
#include "nmc/kernels/tensor.h"

namespace nmc::media {

// Pixels are a contiguous u8 tensor [height, width, channels]; rows are
// width * channels bytes apart. Copies share the pixel storage.
struct Image {
  Tensor pixels;
  int width = 0;
  int height = 0;
  int channels = 0;

  size_t stride() const { return static_cast<size_t>(width) * static_cast<size_t>(channels); }
  uint8_t* data() const { return pixels.defined() ? pixels.data<uint8_t>() : nullptr; }
  uint8_t* row(int y) const { return data() + static_cast<size_t>(y) * stride(); }
};

// Ok when width x height is positive and within NMC_IMAGE_MAX_DIMENSION /
// NMC_IMAGE_MAX_PIXELS; call it before allocating for untrusted sizes.
Status check_image_size(int64_t width, int64_t height);
Status check_channels(int channels, bool allow_zero);

// New zero-filled image; `alloc` may be null (default heap).
Result<Image> make_image(int width, int height, int channels, const HostAllocator* alloc);

// Converts between 1, 2 (gray + alpha, input only), 3 and 4 channels:
// gray -> RGB replicates, colour -> gray is Y = (77 R + 150 G + 29 B + 128) >> 8,
// alpha is dropped or added as 255. Returns `src` itself when nothing changes.
Result<Image> convert_channels(const Image& src, int desired, const HostAllocator* alloc);

// The channel count nmc_image_read reports for a stored layout with
// `stored` channels (1..4) and desired = 0: gray+alpha becomes RGBA.
inline int natural_channels(int stored) { return stored == 2 ? 4 : stored; }

}  // namespace nmc::media
