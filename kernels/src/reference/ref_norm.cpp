// Reference LayerNorm, RMSNorm and softmax over the last dim, accumulated in
// double. Each row is read completely before it is written, so out may alias x.
#include <cmath>
#include <limits>

#include "nmc/kernels/ops.h"
#include "reference/ref_pointwise_validate.h"

namespace nmc::reference {

namespace {
const float* opt_data(const Tensor* t) { return t && t->defined() ? t->data<float>() : nullptr; }
}  // namespace

Status layer_norm(const Exec&, const LayerNormArgs& args) {
  NMC_RETURN_IF_ERROR(pointwise::validate_layer_norm(args));
  const int64_t d = args.x->dim(-1);
  const int64_t rows = d == 0 ? 0 : args.x->numel() / d;
  const float* w = opt_data(args.weight);
  const float* bias = opt_data(args.bias);
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = args.x->data<float>() + r * d;
    float* y = args.out->data<float>() + r * d;
    double mean = 0;
    for (int64_t i = 0; i < d; ++i) mean += x[i];
    mean /= static_cast<double>(d);
    double var = 0;
    for (int64_t i = 0; i < d; ++i) var += (x[i] - mean) * (x[i] - mean);
    var /= static_cast<double>(d);
    const double inv = 1.0 / std::sqrt(var + static_cast<double>(args.eps));
    for (int64_t i = 0; i < d; ++i) {
      double v = (x[i] - mean) * inv;
      if (w) v *= w[i];
      if (bias) v += bias[i];
      y[i] = static_cast<float>(v);
    }
  }
  return Status::Ok();
}

Status rms_norm(const Exec&, const RmsNormArgs& args) {
  NMC_RETURN_IF_ERROR(pointwise::validate_rms_norm(args));
  const int64_t d = args.x->dim(-1);
  const int64_t rows = d == 0 ? 0 : args.x->numel() / d;
  const float* w = opt_data(args.weight);
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = args.x->data<float>() + r * d;
    float* y = args.out->data<float>() + r * d;
    double ss = 0;
    for (int64_t i = 0; i < d; ++i) ss += static_cast<double>(x[i]) * x[i];
    const double inv = 1.0 / std::sqrt(ss / static_cast<double>(d) + static_cast<double>(args.eps));
    for (int64_t i = 0; i < d; ++i) y[i] = static_cast<float>(x[i] * inv * (w ? w[i] : 1.0f));
  }
  return Status::Ok();
}

Status softmax(const Exec&, const SoftmaxArgs& args) {
  NMC_RETURN_IF_ERROR(pointwise::validate_softmax(args));
  const int64_t d = args.x->dim(-1);
  const int64_t rows = d == 0 ? 0 : args.x->numel() / d;
  const double scale = args.scale;
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = args.x->data<float>() + r * d;
    float* y = args.out->data<float>() + r * d;
    double m = -std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < d; ++i) m = std::fmax(m, scale * x[i]);
    double sum = 0;
    for (int64_t i = 0; i < d; ++i) sum += std::exp(scale * x[i] - m);
    for (int64_t i = 0; i < d; ++i) y[i] = static_cast<float>(std::exp(scale * x[i] - m) / sum);
  }
  return Status::Ok();
}

}  // namespace nmc::reference
