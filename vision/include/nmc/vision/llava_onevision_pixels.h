// Pixel values of LLaVA-OneVision images and video frames, as the Hugging Face
// image processor builds them from already resized 8-bit RGB images:
// value = float32(u8 * (1/255) computed in double), then (value - 0.5) / 0.5 in
// float32 (LLaVA-OneVision's mean and std are 0.5 for every channel); CHW tiles.
//
// Resizing is the caller's step (the processor resizes with PIL's antialiased
// bicubic; other bicubic resamplers land within 1-2 levels).
#pragma once

#include <cstdint>

#include "nmc/kernels/status.h"
#include "nmc/kernels/tensor.h"
#include "nmc/vision/llava_onevision_layout.h"

namespace nmc::vision {

// One normalized value.
float normalize_pixel(uint8_t u8);

// 8-bit interleaved RGB pixels: width x height, row stride in bytes (>= 3 * width).
struct RgbView {
  const uint8_t* data = nullptr;
  int64_t width = 0, height = 0, stride = 0;
};

// [1 + tiles, 3, tile, tile] f32: tile 0 is `base` (the whole image squashed to
// tile x tile), then the canvas tiles row-major, where the canvas is black (0)
// with `resized` (layout.resized_height x layout.resized_width) placed at
// (layout.pad_top, layout.pad_left). kInvalidArgument when a view's size does
// not match the layout / tile or its data is null.
Result<Tensor> anyres_pixel_values(const AnyresLayout& layout, int64_t tile, const RgbView& resized,
                                   const RgbView& base);

// [1, 3, tile, tile] f32 for one video frame already squashed to tile x tile.
Result<Tensor> frame_pixel_values(int64_t tile, const RgbView& frame);

}  // namespace nmc::vision
