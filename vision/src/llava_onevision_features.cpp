#include "nmc/vision/llava_onevision_features.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace nmc::vision {

namespace {

Status check_host_f32(const Tensor& t, int rank, const char* what) {
  if (!t.defined() || t.dtype() != DType::kF32 || t.device() != Device::kCpu || !t.is_contiguous() || t.rank() != rank)
    return InvalidArgument(std::string("vision features: ") + what + " must be a contiguous f32 host tensor of rank " +
                           std::to_string(rank) + ", got " + (t.defined() ? t.describe() : std::string("none")));
  return Status::Ok();
}

// Bilinear resize of channel-first maps [N, D, H, W] to [N, D, h, w] on exec.
Result<Tensor> resize(const Exec& exec, const Tensor& map, int64_t h, int64_t w) {
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::zeros(Shape{map.dim(0), map.dim(1), h, w}, DType::kF32));
  ResizeBilinearArgs a;
  a.x = &map;
  a.out = &out;
  a.align_corners = false;
  NMC_RETURN_IF_ERROR(ops::resize_bilinear(exec, a));
  return out;
}

// Appends the rows of a channel-first map [1, D, H, W], each followed by `newline`,
// to `dst` as tokens [D] (H * (W + 1) of them).
float* append_rows(const Tensor& map, const float* newline, float* dst) {
  const int64_t d = map.dim(1), h = map.dim(2), w = map.dim(3);
  const float* src = map.data<float>();
  for (int64_t y = 0; y < h; ++y) {
    for (int64_t x = 0; x < w; ++x, dst += d)
      for (int64_t c = 0; c < d; ++c) dst[c] = src[(c * h + y) * w + x];
    std::memcpy(dst, newline, static_cast<size_t>(d) * sizeof(float));
    dst += d;
  }
  return dst;
}

}  // namespace

Result<Tensor> pack_image_features(const Exec& exec, const AnyresLayout& l, int64_t grid, const Tensor& tiles,
                                   const Tensor& newline) {
  NMC_RETURN_IF_ERROR(check_host_f32(tiles, 3, "tile_features"));
  NMC_RETURN_IF_ERROR(check_host_f32(newline, 1, "image_newline"));
  const int64_t n_tiles = l.tiles_down * l.tiles_across, d = tiles.dim(2);
  if (grid < 1 || tiles.dim(0) != 1 + n_tiles || tiles.dim(1) != grid * grid || newline.dim(0) != d)
    return InvalidArgument("vision features: tile_features " + tiles.shape().to_string() + " or image_newline " +
                           newline.shape().to_string() + " do not fit " + std::to_string(1 + n_tiles) +
                           " tiles of " + std::to_string(grid * grid) + " tokens");
  if (l.stitched_height != l.tiles_down * grid || l.stitched_width != l.tiles_across * grid || l.crop_top < 0 ||
      l.crop_left < 0 || l.unpadded_height < 1 || l.unpadded_width < 1 ||
      l.crop_top + l.unpadded_height > l.stitched_height || l.crop_left + l.unpadded_width > l.stitched_width ||
      l.final_height < 1 || l.final_width < 1 || l.tokens != grid * grid + l.final_height * (l.final_width + 1))
    return InvalidArgument("vision features: inconsistent anyres layout");
  // The cropped stitched map, channel first: [1, D, unpadded_height, unpadded_width].
  NMC_ASSIGN_OR_RETURN(Tensor map, Tensor::zeros(Shape{1, d, l.unpadded_height, l.unpadded_width}, DType::kF32));
  float* m = map.data<float>();
  const float* t = tiles.data<float>();
  for (int64_t y = 0; y < l.unpadded_height; ++y) {
    const int64_t sy = y + l.crop_top, ty = sy / grid, py = sy % grid;
    for (int64_t x = 0; x < l.unpadded_width; ++x) {
      const int64_t sx = x + l.crop_left, tx = sx / grid, px = sx % grid;
      const float* token = t + ((1 + ty * l.tiles_across + tx) * grid * grid + py * grid + px) * d;
      for (int64_t c = 0; c < d; ++c) m[(c * l.unpadded_height + y) * l.unpadded_width + x] = token[c];
    }
  }
  if (l.final_height != l.unpadded_height || l.final_width != l.unpadded_width) {
    NMC_ASSIGN_OR_RETURN(map, resize(exec, map, l.final_height, l.final_width));
  }
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::zeros(Shape{l.tokens, d}, DType::kF32));
  float* dst = out.data<float>();
  std::memcpy(dst, t, static_cast<size_t>(grid * grid * d) * sizeof(float));  // the base tile
  dst = append_rows(map, newline.data<float>(), dst + grid * grid * d);
  if (dst != out.data<float>() + l.tokens * d) return Internal("vision features: token count mismatch");
  return out;
}

Result<Tensor> pack_video_features(const Exec& exec, int64_t grid, const Tensor& frames, const Tensor& newline) {
  NMC_RETURN_IF_ERROR(check_host_f32(frames, 3, "frame_features"));
  NMC_RETURN_IF_ERROR(check_host_f32(newline, 1, "image_newline"));
  const int64_t n = frames.dim(0), d = frames.dim(2), side = (grid + 1) / 2;
  if (grid < 1 || n < 1 || frames.dim(1) != grid * grid || newline.dim(0) != d)
    return InvalidArgument("vision features: frame_features " + frames.shape().to_string() + " or image_newline " +
                           newline.shape().to_string() + " do not fit maps of " + std::to_string(grid) + "x" +
                           std::to_string(grid));
  // All frames as one batch of channel-first maps [n, D, grid, grid].
  NMC_ASSIGN_OR_RETURN(Tensor maps, Tensor::zeros(Shape{n, d, grid, grid}, DType::kF32));
  const float* f = frames.data<float>();
  float* m = maps.data<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t p = 0; p < grid * grid; ++p)
      for (int64_t c = 0; c < d; ++c) m[(i * d + c) * grid * grid + p] = f[(i * grid * grid + p) * d + c];
  NMC_ASSIGN_OR_RETURN(Tensor pooled, resize(exec, maps, side, side));
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::zeros(Shape{n * side * side + 1, d}, DType::kF32));
  float* dst = out.data<float>();
  const float* p = pooled.data<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t q = 0; q < side * side; ++q, dst += d)
      for (int64_t c = 0; c < d; ++c) dst[c] = p[(i * d + c) * side * side + q];
  std::memcpy(dst, newline.data<float>(), static_cast<size_t>(d) * sizeof(float));
  return out;
}

}  // namespace nmc::vision
