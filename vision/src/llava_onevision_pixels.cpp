#include "nmc/vision/llava_onevision_pixels.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "nmc/vision/image_resize.h"

namespace nmc::vision {

namespace {

Status check_view(const RgbView& v, int64_t width, int64_t height, const char* what) {
  if (!v.data) return InvalidArgument(std::string("pixel values: ") + what + " has no data");
  if (v.width != width || v.height != height)
    return InvalidArgument(std::string("pixel values: ") + what + " is " + std::to_string(v.width) + "x" +
                           std::to_string(v.height) + ", expected " + std::to_string(width) + "x" +
                           std::to_string(height));
  if (v.stride < 3 * v.width) return InvalidArgument(std::string("pixel values: ") + what + " stride is below 3 * width");
  return Status::Ok();
}

// Writes the CHW tile at `out` from `src` (tile x tile RGB, no padding).
void write_tile(const RgbView& src, int64_t tile, float* out) {
  const int64_t plane = tile * tile;
  for (int64_t y = 0; y < tile; ++y) {
    const uint8_t* row = src.data + y * src.stride;
    for (int64_t x = 0; x < tile; ++x)
      for (int c = 0; c < 3; ++c) out[c * plane + y * tile + x] = normalize_pixel(row[3 * x + c]);
  }
}

}  // namespace

float normalize_pixel(uint8_t u8) {
  const auto x = static_cast<float>(static_cast<double>(u8) * (1.0 / 255.0));
  return (x - 0.5f) / 0.5f;
}

Result<Tensor> anyres_pixel_values(const AnyresLayout& l, int64_t tile, const RgbView& resized, const RgbView& base) {
  if (tile < 1 || l.tiles_down < 1 || l.tiles_across < 1 || l.canvas_height != l.tiles_down * tile ||
      l.canvas_width != l.tiles_across * tile)
    return InvalidArgument("pixel values: layout and tile size do not agree");
  if (l.pad_top < 0 || l.pad_left < 0 || l.pad_top + l.resized_height > l.canvas_height ||
      l.pad_left + l.resized_width > l.canvas_width)
    return InvalidArgument("pixel values: the resized image does not fit the canvas");
  NMC_RETURN_IF_ERROR(check_view(resized, l.resized_width, l.resized_height, "resized image"));
  NMC_RETURN_IF_ERROR(check_view(base, tile, tile, "base tile"));
  const int64_t tiles = l.tiles_down * l.tiles_across;
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::zeros(Shape{1 + tiles, 3, tile, tile}, DType::kF32));
  float* dst = out.data<float>();
  const int64_t plane = tile * tile;
  write_tile(base, tile, dst);
  // The processor pads by (canvas - resized) // 2 on both sides, so an odd
  // remainder leaves its canvas one pixel short: the last row / column of
  // tiles is then a pixel short too and its resize to tile x tile (PIL bicubic)
  // stretches it. Reproduced here: the canvas is ph x pw.
  const int64_t ph = l.resized_height + 2 * l.pad_top, pw = l.resized_width + 2 * l.pad_left;
  std::vector<uint8_t> patch;
  for (int64_t t = 0; t < tiles; ++t) {
    float* o = dst + (1 + t) * 3 * plane;
    const int64_t y0 = t / l.tiles_across * tile, x0 = t % l.tiles_across * tile;
    const int64_t h = std::min(tile, ph - y0), w = std::min(tile, pw - x0);
    patch.assign(static_cast<size_t>(h * w * 3), 0);
    for (int64_t y = 0; y < h; ++y) {
      const int64_t ry = y0 + y - l.pad_top;
      if (ry < 0 || ry >= l.resized_height) continue;
      for (int64_t x = 0; x < w; ++x) {
        const int64_t rx = x0 + x - l.pad_left;
        if (rx < 0 || rx >= l.resized_width) continue;
        std::memcpy(&patch[static_cast<size_t>((y * w + x) * 3)], resized.data + ry * resized.stride + 3 * rx, 3);
      }
    }
    const RgbView pv{patch.data(), w, h, w * 3};
    if (h == tile && w == tile) {
      write_tile(pv, tile, o);
    } else {
      NMC_ASSIGN_OR_RETURN(RgbImage stretched, resize_rgb(pv, tile, tile));
      write_tile(stretched.view(), tile, o);
    }
  }
  return out;
}

Result<Tensor> frame_pixel_values(int64_t tile, const RgbView& frame) {
  if (tile < 1) return InvalidArgument("pixel values: tile size must be positive");
  NMC_RETURN_IF_ERROR(check_view(frame, tile, tile, "video frame"));
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::zeros(Shape{1, 3, tile, tile}, DType::kF32));
  write_tile(frame, tile, out.data<float>());
  return out;
}

}  // namespace nmc::vision
