// Reference 2-D pooling and bilinear resize (NCHW, contiguous f32).
#include <algorithm>
#include <cmath>
#include <limits>

#include "ref_dense_util.h"

namespace nmc::reference {

using namespace dense;

Status pool2d(const Exec&, const Pool2dArgs& a) {
  constexpr const char* kOp = "pool2d";
  NMC_RETURN_IF_ERROR(check_tensor(kOp, "x", a.x, DType::kF32, 4, true));
  NMC_RETURN_IF_ERROR(check_tensor(kOp, "out", a.out, DType::kF32, 4, true));
  if (a.kind != PoolKind::kAvg && a.kind != PoolKind::kMax) return InvalidArgument("pool2d: unknown pool kind");
  if (a.kernel_h < 1 || a.kernel_w < 1 || a.stride_h < 1 || a.stride_w < 1)
    return InvalidArgument("pool2d: kernel and stride must be >= 1");
  if (a.pad_h < 0 || a.pad_w < 0 || a.pad_h > a.kernel_h / 2 || a.pad_w > a.kernel_w / 2)
    return InvalidArgument("pool2d: padding must be in [0, kernel / 2]");
  const Tensor& x = *a.x;
  const int64_t nb = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  const int64_t ho_span = h + 2 * a.pad_h - a.kernel_h, wo_span = w + 2 * a.pad_w - a.kernel_w;
  if (ho_span < 0 || wo_span < 0) return InvalidArgument("pool2d: kernel larger than the padded input");
  const int64_t ho = ho_span / a.stride_h + 1, wo = wo_span / a.stride_w + 1;
  NMC_RETURN_IF_ERROR(check_shape(kOp, "out", *a.out, Shape{nb, c, ho, wo}));
  const float* xp = x.data<float>();
  float* op = a.out->data<float>();
  for (int64_t plane = 0; plane < nb * c; ++plane) {
    const float* xs = xp + plane * h * w;
    for (int64_t oy = 0; oy < ho; ++oy)
      for (int64_t ox = 0; ox < wo; ++ox) {
        const int64_t y0 = oy * a.stride_h - a.pad_h, x0 = ox * a.stride_w - a.pad_w;
        double sum = 0.0;
        float mx = -std::numeric_limits<float>::infinity();
        int64_t count = 0;
        for (int64_t y = y0; y < y0 + a.kernel_h; ++y)
          for (int64_t xx = x0; xx < x0 + a.kernel_w; ++xx) {
            if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
            const float v = xs[y * w + xx];
            sum += v;
            // NaN propagates as in PyTorch.
            if (v > mx || std::isnan(v)) mx = std::isnan(mx) ? mx : v;
            ++count;
          }
        float r;
        if (a.kind == PoolKind::kMax) {
          r = mx;
        } else {
          const int64_t div = a.exclude_pad ? count : static_cast<int64_t>(a.kernel_h) * a.kernel_w;
          r = div > 0 ? static_cast<float>(sum / static_cast<double>(div)) : 0.0f;
        }
        op[(plane * ho + oy) * wo + ox] = r;
      }
  }
  return Status::Ok();
}

namespace {

// Source coordinate of output index i (PyTorch area_pixel_compute_source_index).
struct Tap {
  int64_t i0, i1;
  double l1;  // weight of i1
};

Tap bilinear_tap(int64_t i, int64_t in, int64_t out, bool align_corners) {
  double src;
  if (align_corners) {
    src = out > 1 ? static_cast<double>(i) * static_cast<double>(in - 1) / static_cast<double>(out - 1) : 0.0;
  } else {
    src = (static_cast<double>(i) + 0.5) * static_cast<double>(in) / static_cast<double>(out) - 0.5;
    if (src < 0) src = 0;
  }
  int64_t i0 = static_cast<int64_t>(src);
  if (i0 > in - 1) i0 = in - 1;
  const int64_t i1 = i0 < in - 1 ? i0 + 1 : i0;
  return Tap{i0, i1, src - static_cast<double>(i0)};
}

}  // namespace

Status resize_bilinear(const Exec&, const ResizeBilinearArgs& a) {
  constexpr const char* kOp = "resize_bilinear";
  NMC_RETURN_IF_ERROR(check_tensor(kOp, "x", a.x, DType::kF32, 4, true));
  NMC_RETURN_IF_ERROR(check_tensor(kOp, "out", a.out, DType::kF32, 4, true));
  const Tensor& x = *a.x;
  const Tensor& out = *a.out;
  if (out.dim(0) != x.dim(0) || out.dim(1) != x.dim(1))
    return InvalidArgument("resize_bilinear: out " + out.shape().to_string() + " must keep N and C of x " +
                           x.shape().to_string());
  const int64_t h = x.dim(2), w = x.dim(3), ho = out.dim(2), wo = out.dim(3);
  if (h < 1 || w < 1 || ho < 1 || wo < 1) return InvalidArgument("resize_bilinear: empty spatial size");
  const float* xp = x.data<float>();
  float* op = out.data<float>();
  for (int64_t plane = 0; plane < x.dim(0) * x.dim(1); ++plane) {
    const float* xs = xp + plane * h * w;
    for (int64_t oy = 0; oy < ho; ++oy) {
      const Tap ty = bilinear_tap(oy, h, ho, a.align_corners);
      for (int64_t ox = 0; ox < wo; ++ox) {
        const Tap tx = bilinear_tap(ox, w, wo, a.align_corners);
        const double top = (1 - tx.l1) * xs[ty.i0 * w + tx.i0] + tx.l1 * xs[ty.i0 * w + tx.i1];
        const double bot = (1 - tx.l1) * xs[ty.i1 * w + tx.i0] + tx.l1 * xs[ty.i1 * w + tx.i1];
        op[(plane * ho + oy) * wo + ox] = static_cast<float>((1 - ty.l1) * top + ty.l1 * bot);
      }
    }
  }
  return Status::Ok();
}

}  // namespace nmc::reference
