// Reference Snake activation and GDN / inverse GDN, in double.
#include <cmath>
#include <vector>

#include "nmc/kernels/ops.h"
#include "reference/ref_pointwise_validate.h"

namespace nmc::reference {

Status snake(const Exec&, const SnakeArgs& args) {
  NMC_RETURN_IF_ERROR(pointwise::validate_snake(args));
  const int64_t n = args.x->dim(0), c = args.x->dim(1), l = args.x->dim(2);
  const float* x = args.x->data<float>();
  const float* alpha = args.alpha->data<float>();
  float* y = args.out->data<float>();
  for (int64_t i = 0; i < n * c; ++i) {
    const double a = alpha[i % c];
    const double inv = 1.0 / (a + 1e-9);
    for (int64_t t = 0; t < l; ++t) {
      const double v = x[i * l + t];
      const double s = std::sin(a * v);
      y[i * l + t] = static_cast<float>(v + inv * s * s);
    }
  }
  return Status::Ok();
}

Status gdn(const Exec&, const GdnArgs& args) {
  NMC_RETURN_IF_ERROR(pointwise::validate_gdn(args));
  const int64_t n = args.x->dim(0), c = args.x->dim(1), hw = args.x->dim(2) * args.x->dim(3);
  const float* x = args.x->data<float>();
  const float* beta = args.beta->data<float>();
  const float* gamma = args.gamma->data<float>();
  float* y = args.out->data<float>();
  std::vector<double> px(static_cast<size_t>(c));  // one pixel's channels (out may alias x)
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t p = 0; p < hw; ++p) {
      for (int64_t j = 0; j < c; ++j) px[j] = x[(b * c + j) * hw + p];
      for (int64_t ch = 0; ch < c; ++ch) {
        double norm = beta[ch];
        for (int64_t j = 0; j < c; ++j) norm += static_cast<double>(gamma[ch * c + j]) * px[j] * px[j];
        const double f = args.inverse ? std::sqrt(norm) : 1.0 / std::sqrt(norm);
        y[(b * c + ch) * hw + p] = static_cast<float>(px[ch] * f);
      }
    }
  }
  return Status::Ok();
}

}  // namespace nmc::reference
