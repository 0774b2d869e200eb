// CPU drivers for LayerNorm, RMSNorm and softmax over the last dim: rows are
// split over the thread pool, each row runs an ISA row kernel.
#include "cpu/cpu_pointwise_ops.h"
#include "nmc/kernels/thread_pool.h"
#include "reference/ref_pointwise_validate.h"

namespace nmc::cpu {

namespace {

constexpr const char* kNoIsa = "no AVX2/AVX-512 on this CPU";

const float* opt_data(const Tensor* t) { return t && t->defined() ? t->data<float>() : nullptr; }

// Runs row_fn(x_row, y_row) over every row of the last dim d.
template <class Fn>
void for_rows(const Exec& exec, const Tensor& x, Tensor& out, Fn row_fn) {
  const int64_t d = x.dim(-1);
  if (d == 0) return;
  const int64_t rows = x.numel() / d;
  const int64_t grain = ((int64_t{1} << 14) + d - 1) / d;
  const float* px = x.data<float>();
  float* py = out.data<float>();
  parallel_for(exec.pool, rows, grain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) row_fn(px + r * d, py + r * d, d);
  });
}

}  // namespace

Status layer_norm_with(const PointwiseKernels* k, const Exec& exec, const LayerNormArgs& args) {
  if (!k) return Unsupported(std::string("layer_norm: ") + kNoIsa);
  NMC_RETURN_IF_ERROR(pointwise::validate_layer_norm(args));
  const float* w = opt_data(args.weight);
  const float* bias = opt_data(args.bias);
  for_rows(exec, *args.x, *args.out,
           [&](const float* x, float* y, int64_t d) { k->layer_norm_row(x, y, d, w, bias, args.eps); });
  return Status::Ok();
}

Status rms_norm_with(const PointwiseKernels* k, const Exec& exec, const RmsNormArgs& args) {
  if (!k) return Unsupported(std::string("rms_norm: ") + kNoIsa);
  NMC_RETURN_IF_ERROR(pointwise::validate_rms_norm(args));
  const float* w = opt_data(args.weight);
  for_rows(exec, *args.x, *args.out, [&](const float* x, float* y, int64_t d) { k->rms_norm_row(x, y, d, w, args.eps); });
  return Status::Ok();
}

Status softmax_with(const PointwiseKernels* k, const Exec& exec, const SoftmaxArgs& args) {
  if (!k) return Unsupported(std::string("softmax: ") + kNoIsa);
  NMC_RETURN_IF_ERROR(pointwise::validate_softmax(args));
  for_rows(exec, *args.x, *args.out, [&](const float* x, float* y, int64_t d) { k->softmax_row(x, y, d, args.scale); });
  return Status::Ok();
}

}  // namespace nmc::cpu
