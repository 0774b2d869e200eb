// Zero padding to multiples of 64 and the matching crop (padding.h).
#include "nmc/codecs/image/padding.h"

#include <cstring>
#include <string>

namespace nmc::image {
namespace {

Status check_image(const Tensor& x, const char* what) {
  if (x.dtype() != DType::kF32 || x.rank() != 4 || !x.is_contiguous() || x.device() != Device::kCpu)
    return InvalidArgument(std::string(what) + ": expected a contiguous f32 [N, C, H, W] host tensor, got " +
                           x.shape().to_string());
  return Status::Ok();
}

Status check_margins(const Padding& p) {
  if (p.top < 0 || p.bottom < 0 || p.left < 0 || p.right < 0)
    return InvalidArgument("padding margins must not be negative");
  return Status::Ok();
}

// Copies rows of `w` floats: dst[r * dst_stride + dst_x] = src[r * src_stride + src_x] for each plane.
void copy_planes(const float* src, int64_t src_h, int64_t src_w, float* dst, int64_t dst_w, int64_t planes,
                 int64_t src_y0, int64_t src_x0, int64_t dst_y0, int64_t dst_x0, int64_t rows, int64_t cols,
                 int64_t dst_h) {
  for (int64_t pl = 0; pl < planes; ++pl) {
    const float* s = src + pl * src_h * src_w;
    float* d = dst + pl * dst_h * dst_w;
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(d + (dst_y0 + r) * dst_w + dst_x0, s + (src_y0 + r) * src_w + src_x0,
                  static_cast<size_t>(cols) * sizeof(float));
  }
}

}  // namespace

Result<Padding> padding_for(int64_t h, int64_t w, int64_t multiple) {
  if (h < 1 || w < 1 || multiple < 1)
    return InvalidArgument("padding_for: size " + std::to_string(h) + "x" + std::to_string(w) + " and multiple " +
                           std::to_string(multiple) + " must be positive");
  constexpr int64_t kMax = int64_t{1} << 40;
  if (h > kMax || w > kMax || multiple > kMax) return InvalidArgument("padding_for: size too large");
  const int64_t hp = (h + multiple - 1) / multiple * multiple, wp = (w + multiple - 1) / multiple * multiple;
  Padding p;
  p.left = (wp - w) / 2;
  p.right = wp - w - p.left;
  p.top = (hp - h) / 2;
  p.bottom = hp - h - p.top;
  return p;
}

Result<Tensor> pad_image(const Tensor& x, const Padding& p) {
  NMC_RETURN_IF_ERROR(check_image(x, "pad_image"));
  NMC_RETURN_IF_ERROR(check_margins(p));
  const int64_t h = x.dim(2), w = x.dim(3), oh = h + p.top + p.bottom, ow = w + p.left + p.right;
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::zeros(Shape{x.dim(0), x.dim(1), oh, ow}, DType::kF32));
  copy_planes(x.data<float>(), h, w, out.data<float>(), ow, x.dim(0) * x.dim(1), 0, 0, p.top, p.left, h, w, oh);
  return out;
}

Result<Tensor> crop_image(const Tensor& x, const Padding& p) {
  NMC_RETURN_IF_ERROR(check_image(x, "crop_image"));
  NMC_RETURN_IF_ERROR(check_margins(p));
  const int64_t h = x.dim(2), w = x.dim(3), oh = h - p.top - p.bottom, ow = w - p.left - p.right;
  if (oh < 1 || ow < 1)
    return InvalidArgument("crop_image: margins leave nothing of a " + std::to_string(h) + "x" + std::to_string(w) +
                           " image");
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::zeros(Shape{x.dim(0), x.dim(1), oh, ow}, DType::kF32));
  copy_planes(x.data<float>(), h, w, out.data<float>(), ow, x.dim(0) * x.dim(1), p.top, p.left, 0, 0, oh, ow, oh);
  return out;
}

}  // namespace nmc::image
