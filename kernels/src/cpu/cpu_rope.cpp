// CPU driver for rotary position embedding. Per token it builds cos/sin tables
// of the rotary dims once (angles reduced modulo 2 pi in double, sin evaluated
// by the ISA kernel) and applies them to every head.
#include <cmath>
#include <vector>

#include "cpu/cpu_pointwise_ops.h"
#include "nmc/kernels/thread_pool.h"
#include "reference/ref_pointwise_validate.h"

namespace nmc::cpu {

namespace {
// a reduced to [-pi, pi], in double.
double reduce_2pi(double a) {
  constexpr double kTwoPi = 6.283185307179586476925;
  return a - kTwoPi * std::nearbyint(a * (1.0 / kTwoPi));
}
}  // namespace

Status rope_with(const PointwiseKernels* k, const Exec& exec, const RopeArgs& args) {
  if (!k) return Unsupported("rope: no AVX2/AVX-512 on this CPU");
  NMC_RETURN_IF_ERROR(pointwise::validate_rope(args));
  const Tensor& x = *args.x;
  const Tensor& o = *args.out;
  const int64_t nb = x.dim(0), nt = x.dim(1), nh = x.dim(2), d = x.dim(3);
  const int64_t rot = pointwise::rope_rotary_dim(args), half = rot / 2;
  const bool per_batch = args.positions->rank() == 2;
  const float* pos = args.positions->data<float>();
  std::vector<double> inv_freq(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i) inv_freq[i] = pointwise::rope_inv_freq(args.theta, i, rot);
  const bool split = args.layout == RopeLayout::kHalfSplit;
  const int64_t grain = 1 + 2048 / (nh * d > 0 ? nh * d : 1);
  parallel_for(exec.pool, nb * nt, grain, [&](int64_t begin, int64_t end) {
    // arg: [sin angles (signed) | cos angles + pi/2], then tab = sin(arg) = [S | C].
    std::vector<float> arg(static_cast<size_t>(2 * rot)), tab(static_cast<size_t>(2 * rot));
    for (int64_t bt = begin; bt < end; ++bt) {
      const int64_t b = bt / nt, t = bt % nt;
      const double p = pos[per_batch ? bt : t];
      for (int64_t i = 0; i < half; ++i) {
        const double a = p * inv_freq[i];
        const auto s = static_cast<float>(reduce_2pi(a));
        const auto c = static_cast<float>(reduce_2pi(a + 1.5707963267948966192));
        const int64_t j0 = split ? i : 2 * i, j1 = split ? i + half : 2 * i + 1;
        arg[j0] = -s;  // first of the pair: x0 c - x1 s
        arg[j1] = s;   // second: x1 c + x0 s
        arg[rot + j0] = c;
        arg[rot + j1] = c;
      }
      k->sin(arg.data(), tab.data(), 2 * rot);
      for (int64_t h = 0; h < nh; ++h) {
        const float* xr = x.data<float>() + b * x.stride(0) + t * x.stride(1) + h * x.stride(2);
        float* yr = o.data<float>() + b * o.stride(0) + t * o.stride(1) + h * o.stride(2);
        k->rope_row(xr, yr, tab.data() + rot, tab.data(), rot, d, args.layout);
      }
    }
  });
  return Status::Ok();
}

}  // namespace nmc::cpu
