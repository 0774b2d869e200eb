// Reference rotary position embedding: angles pos * theta^(-2i/rot) and their
// cos/sin in double. Each pair is read before it is written, so out may alias x.
#include <cmath>

#include "nmc/kernels/ops.h"
#include "reference/ref_pointwise_validate.h"

namespace nmc::reference {

Status rope(const Exec&, const RopeArgs& args) {
  NMC_RETURN_IF_ERROR(pointwise::validate_rope(args));
  const Tensor& x = *args.x;
  const Tensor& o = *args.out;
  const int64_t nb = x.dim(0), nt = x.dim(1), nh = x.dim(2), d = x.dim(3);
  const int64_t rot = pointwise::rope_rotary_dim(args), half = rot / 2;
  const bool per_batch = args.positions->rank() == 2;
  const float* pos = args.positions->data<float>();
  for (int64_t b = 0; b < nb; ++b) {
    for (int64_t t = 0; t < nt; ++t) {
      const double p = pos[per_batch ? b * nt + t : t];
      for (int64_t h = 0; h < nh; ++h) {
        const float* xr = x.data<float>() + b * x.stride(0) + t * x.stride(1) + h * x.stride(2);
        float* yr = o.data<float>() + b * o.stride(0) + t * o.stride(1) + h * o.stride(2);
        for (int64_t i = 0; i < half; ++i) {
          const double ang = p * pointwise::rope_inv_freq(args.theta, i, rot);
          const double c = std::cos(ang), s = std::sin(ang);
          const int64_t i0 = args.layout == RopeLayout::kHalfSplit ? i : 2 * i;
          const int64_t i1 = args.layout == RopeLayout::kHalfSplit ? i + half : 2 * i + 1;
          const double x0 = xr[i0], x1 = xr[i1];
          yr[i0] = static_cast<float>(x0 * c - x1 * s);
          yr[i1] = static_cast<float>(x1 * c + x0 * s);
        }
        if (yr != xr)
          for (int64_t i = rot; i < d; ++i) yr[i] = xr[i];
      }
    }
  }
  return Status::Ok();
}

}  // namespace nmc::reference
