#include "nmc/vision/llava_onevision_layout.h"

#include <cmath>
#include <limits>

namespace nmc::vision {

namespace {

constexpr int64_t kMaxSide = int64_t{1} << 20;

// Python's float floor division a // b for a, b > 0 (CPython float_floor_div):
// computed from fmod, so a quotient that rounds up to an integer in a / b still
// floors to the integer below when the exact quotient is below it.
double py_floordiv(double a, double b) {
  const double mod = std::fmod(a, b);
  const double div = (a - mod) / b;
  double floordiv = std::floor(div);
  if (div - floordiv > 0.5) floordiv += 1.0;
  return floordiv;
}

// int(round(v, 7)) for v >= 0: the integer part, unless v lies within 5e-8 below
// the next integer (Python rounds to 7 decimals first).
int64_t int_round7(double v) {
  const double up = std::ceil(v);
  return up - v < 5e-8 ? static_cast<int64_t>(up) : static_cast<int64_t>(std::floor(v));
}

}  // namespace

Result<AnyresLayout> anyres_layout(const LlavaOnevisionConfig& c, int64_t height, int64_t width) {
  if (height < 1 || width < 1 || height > kMaxSide || width > kMaxSide)
    return InvalidArgument("anyres layout: image size " + std::to_string(height) + "x" + std::to_string(width) +
                           " is outside 1..2^20");
  if (c.vision_feature_select_strategy != "full")
    return Unsupported("anyres layout: vision_feature_select_strategy '" + c.vision_feature_select_strategy +
                       "' cannot pack anyres features (only 'full')");
  if (c.image_grid_pinpoints.empty()) return InvalidArgument("anyres layout: no image_grid_pinpoints");
  AnyresLayout l;
  // select_best_resolution: most original pixels kept (capped at the original count), then least waste.
  int64_t best_effective = 0;
  int64_t least_waste = std::numeric_limits<int64_t>::max();
  for (const auto& [ph, pw] : c.image_grid_pinpoints) {
    const double scale = std::min(static_cast<double>(pw) / static_cast<double>(width),
                                  static_cast<double>(ph) / static_cast<double>(height));
    const auto dw = static_cast<int64_t>(static_cast<double>(width) * scale);
    const auto dh = static_cast<int64_t>(static_cast<double>(height) * scale);
    const int64_t effective = std::min(dw * dh, width * height);
    const int64_t waste = ph * pw - effective;
    if (effective > best_effective || (effective == best_effective && waste < least_waste)) {
      best_effective = effective;
      least_waste = waste;
      l.canvas_height = ph;
      l.canvas_width = pw;
    }
  }
  if (l.canvas_height == 0) {  // every candidate keeps 0 pixels (extreme aspect ratios): Python returns None
    return InvalidArgument("anyres layout: no canvas keeps any pixel of a " + std::to_string(height) + "x" +
                           std::to_string(width) + " image");
  }
  const int64_t tile = c.vision.image_size, grid = c.vision.grid();
  l.tiles_down = l.canvas_height / tile;
  l.tiles_across = l.canvas_width / tile;
  // get_patch_output_size, then centred padding (divmod: the odd pixel goes below / right).
  const double scale_w = static_cast<double>(l.canvas_width) / static_cast<double>(width);
  const double scale_h = static_cast<double>(l.canvas_height) / static_cast<double>(height);
  if (scale_w < scale_h) {
    l.resized_width = l.canvas_width;
    l.resized_height = std::min(static_cast<int64_t>(std::ceil(static_cast<double>(height) * scale_w)), l.canvas_height);
  } else {
    l.resized_height = l.canvas_height;
    l.resized_width = std::min(static_cast<int64_t>(std::ceil(static_cast<double>(width) * scale_h)), l.canvas_width);
  }
  l.pad_top = (l.canvas_height - l.resized_height) / 2;
  l.pad_left = (l.canvas_width - l.resized_width) / 2;
  // Stitched feature map, then unpad_image with the original size.
  l.stitched_height = l.tiles_down * grid;
  l.stitched_width = l.tiles_across * grid;
  l.unpadded_height = l.stitched_height;
  l.unpadded_width = l.stitched_width;
  const double original_aspect = static_cast<double>(width) / static_cast<double>(height);
  const double current_aspect = static_cast<double>(l.stitched_width) / static_cast<double>(l.stitched_height);
  if (original_aspect > current_aspect) {
    const double scale = static_cast<double>(l.stitched_width) / static_cast<double>(width);
    const int64_t content = int_round7(static_cast<double>(height) * scale);
    l.crop_top = (l.stitched_height - content) / 2;
    l.unpadded_height = l.stitched_height - 2 * l.crop_top;
  } else {
    const double scale = static_cast<double>(l.stitched_height) / static_cast<double>(height);
    const int64_t content = int_round7(static_cast<double>(width) * scale);
    l.crop_left = (l.stitched_width - content) / 2;
    l.unpadded_width = l.stitched_width - 2 * l.crop_left;
  }
  if (l.unpadded_height < 1 || l.unpadded_width < 1)
    return InvalidArgument("anyres layout: a " + std::to_string(height) + "x" + std::to_string(width) +
                           " image leaves no feature rows or columns (aspect ratio too extreme)");
  // Token budget: anyres_max_N tiles' worth of grid x grid tokens.
  const double ratio = std::sqrt(static_cast<double>(l.unpadded_height * l.unpadded_width) /
                                 static_cast<double>(c.anyres_max_tiles * grid * grid));
  l.final_height = l.unpadded_height;
  l.final_width = l.unpadded_width;
  if (ratio > 1.1) {
    l.final_height = static_cast<int64_t>(py_floordiv(static_cast<double>(l.unpadded_height), ratio));
    l.final_width = static_cast<int64_t>(py_floordiv(static_cast<double>(l.unpadded_width), ratio));
  }
  if (l.final_height < 1 || l.final_width < 1)
    return InvalidArgument("anyres layout: a " + std::to_string(height) + "x" + std::to_string(width) +
                           " image shrinks to no feature rows or columns (aspect ratio too extreme)");
  l.tokens = grid * grid + l.final_height * (l.final_width + 1);
  return l;
}

int64_t video_frame_tokens(const LlavaOnevisionConfig& c) {
  const int64_t side = (c.vision.grid() + 1) / 2;
  return side * side;
}

int64_t video_tokens(const LlavaOnevisionConfig& c, int64_t frames) { return frames * video_frame_tokens(c) + 1; }

}  // namespace nmc::vision
