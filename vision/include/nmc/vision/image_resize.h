// Resizing 8-bit RGB images for the vision encoders exactly as the Hugging
// Face processors do: PIL's Image.resize(size, BICUBIC) (reducing_gap None).
//
// PIL's filter is a separable convolution whose bicubic kernel (a = -0.5)
// widens with the shrink factor (antialiasing), with 22-bit fixed-point
// weights, a horizontal pass to 8 bits first and a vertical pass after. OpenCV
// has no such filter (INTER_AREA / INTER_CUBIC land up to ~30 levels away on
// the fixture's images), so this is a re-implementation of that algorithm; it
// reproduces Pillow's output bit for bit (tests/vision/test_image_resize.cpp).
// Pillow <= 12 always runs the horizontal pass first, as here; Pillow 13 runs
// the vertical pass first for some shrinks, which moves a few pixels by 1-3
// levels in those cases.
#pragma once

#include <cstdint>
#include <vector>

#include "nmc/kernels/status.h"
#include "nmc/vision/llava_onevision_pixels.h"

namespace nmc::vision {

// An owned interleaved RGB image.
struct RgbImage {
  std::vector<uint8_t> pixels;
  int64_t width = 0, height = 0;
  RgbView view() const { return {pixels.data(), width, height, width * 3}; }
};

// `src` resized to width x height. kInvalidArgument for empty or null views or
// sizes outside [1, 65535].
Result<RgbImage> resize_rgb(const RgbView& src, int64_t width, int64_t height);

}  // namespace nmc::vision
