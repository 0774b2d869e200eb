// HyperpriorModel: loading and the four transforms (g_a, h_a, h_s, g_s).
#include "nmc/codecs/image/hyperprior_model.h"

#include <string>

#include "hyperprior_layers.h"
#include "hyperprior_weights.h"
#include "nmc/kernels/backend.h"

namespace nmc::image {
namespace {

constexpr float kLeakySlope = 0.01f;  // nn.LeakyReLU() default

template <class Source>
TensorSource source_of(const Source& s) {
  return TensorSource{[&s](std::string_view name) { return s.find(name); },
                      [&s](std::string_view name) { return s.tensor(name); }};
}

Status check_exec(const char* stage, const Exec& exec) {
  const Backend& be = exec_backend(exec);
  if (be.device() != Device::kCpu)
    return Unsupported(std::string("hyperprior ") + stage + ": backend '" + be.name() +
                       "' is not supported (the weights are host tensors)");
  return Status::Ok();
}

// x must be f32 [1, channels, H, W], contiguous on the host, with H and W
// positive multiples of `multiple`.
Status check_feature(const char* stage, const char* what, const Tensor& x, int64_t channels, int64_t multiple) {
  const std::string where = std::string("hyperprior ") + stage + ": " + what;
  if (!x.defined()) return InvalidArgument(where + " is undefined");
  if (x.dtype() != DType::kF32 || x.device() != Device::kCpu || !x.is_contiguous())
    return InvalidArgument(where + " must be a contiguous f32 host tensor, got " + x.describe());
  if (x.rank() != 4) return InvalidArgument(where + " must be NCHW (rank 4), got shape " + x.shape().to_string());
  if (x.dim(0) != 1) return InvalidArgument(where + " must have batch 1, got shape " + x.shape().to_string());
  if (x.dim(1) != channels)
    return InvalidArgument(where + " must have " + std::to_string(channels) + " channels, got shape " +
                           x.shape().to_string());
  if (x.dim(2) < 1 || x.dim(3) < 1 || x.dim(2) % multiple != 0 || x.dim(3) % multiple != 0)
    return InvalidArgument(where + " height and width must be positive multiples of " + std::to_string(multiple) +
                           ", got shape " + x.shape().to_string());
  return Status::Ok();
}

}  // namespace

Result<HyperpriorModel> HyperpriorModel::load(const Checkpoint& checkpoint, const HyperpriorConfig& config) {
  NMC_ASSIGN_OR_RETURN(auto w, load_hyperprior_weights(source_of(checkpoint), config));
  return HyperpriorModel(std::move(w));
}

Result<HyperpriorModel> HyperpriorModel::load(const SafetensorsFile& file, const HyperpriorConfig& config) {
  NMC_ASSIGN_OR_RETURN(auto w, load_hyperprior_weights(source_of(file), config));
  return HyperpriorModel(std::move(w));
}

HyperpriorKind HyperpriorModel::kind() const {
  return weights_ ? weights_->kind : HyperpriorKind::kMeanScaleHyperprior;
}
int64_t HyperpriorModel::n() const { return weights_ ? weights_->n : 0; }
int64_t HyperpriorModel::m() const { return weights_ ? weights_->m : 0; }

Status HyperpriorModel::check_loaded() const {
  if (!weights_) return InvalidArgument("hyperprior: model is not loaded");
  return Status::Ok();
}

Result<Tensor> HyperpriorModel::analysis(const Exec& exec, const Tensor& x) const {
  NMC_RETURN_IF_ERROR(check_loaded());
  NMC_RETURN_IF_ERROR(check_exec("g_a", exec));
  NMC_RETURN_IF_ERROR(check_feature("g_a", "x", x, 3, 16));
  const HyperpriorWeights& w = *weights_;
  NMC_ASSIGN_OR_RETURN(Tensor t, run_conv(exec, w.g_a[0], x));
  for (int i = 0; i < 3; ++i) {
    NMC_RETURN_IF_ERROR(run_gdn(exec, w.g_a_gdn[i], t));
    NMC_ASSIGN_OR_RETURN(t, run_conv(exec, w.g_a[i + 1], t));
  }
  return t;
}

Result<Tensor> HyperpriorModel::hyper_analysis(const Exec& exec, const Tensor& y) const {
  NMC_RETURN_IF_ERROR(check_loaded());
  NMC_RETURN_IF_ERROR(check_exec("h_a", exec));
  NMC_RETURN_IF_ERROR(check_feature("h_a", "y", y, weights_->m, 4));
  const HyperpriorWeights& w = *weights_;
  const bool mean_scale = w.kind == HyperpriorKind::kMeanScaleHyperprior;
  const UnaryKind act = mean_scale ? UnaryKind::kLeakyRelu : UnaryKind::kRelu;
  Tensor t;
  if (mean_scale) {
    NMC_ASSIGN_OR_RETURN(t, run_conv(exec, w.h_a[0], y));
  } else {
    // ScaleHyperprior: h_a(|y|).
    NMC_ASSIGN_OR_RETURN(Tensor abs_y, exec_backend(exec).zeros(y.shape(), DType::kF32));
    UnaryArgs a;
    a.x = &y;
    a.out = &abs_y;
    a.kind = UnaryKind::kAbs;
    NMC_RETURN_IF_ERROR(ops::unary(exec, a));
    NMC_ASSIGN_OR_RETURN(t, run_conv(exec, w.h_a[0], abs_y));
  }
  for (int i = 1; i < 3; ++i) {
    NMC_RETURN_IF_ERROR(run_unary(exec, act, kLeakySlope, t));
    NMC_ASSIGN_OR_RETURN(t, run_conv(exec, w.h_a[i], t));
  }
  return t;
}

Result<HyperpriorParams> HyperpriorModel::hyper_synthesis(const Exec& exec, const Tensor& z_hat) const {
  NMC_RETURN_IF_ERROR(check_loaded());
  NMC_RETURN_IF_ERROR(check_exec("h_s", exec));
  NMC_RETURN_IF_ERROR(check_feature("h_s", "z_hat", z_hat, weights_->n, 1));
  const HyperpriorWeights& w = *weights_;
  const bool mean_scale = w.kind == HyperpriorKind::kMeanScaleHyperprior;
  const UnaryKind act = mean_scale ? UnaryKind::kLeakyRelu : UnaryKind::kRelu;
  NMC_ASSIGN_OR_RETURN(Tensor t, run_conv(exec, w.h_s[0], z_hat));
  for (int i = 1; i < 3; ++i) {
    NMC_RETURN_IF_ERROR(run_unary(exec, act, kLeakySlope, t));
    NMC_ASSIGN_OR_RETURN(t, run_conv(exec, w.h_s[i], t));
  }
  HyperpriorParams params;
  if (mean_scale) {
    // The 2M output channels are scales (first M) then means (last M).
    NMC_ASSIGN_OR_RETURN(params.scales, slice_channels(exec, t, 0, w.m));
    NMC_ASSIGN_OR_RETURN(params.means, slice_channels(exec, t, w.m, w.m));
  } else {
    NMC_RETURN_IF_ERROR(run_unary(exec, UnaryKind::kRelu, 0.0f, t));
    params.scales = std::move(t);
  }
  return params;
}

Result<Tensor> HyperpriorModel::synthesis(const Exec& exec, const Tensor& y_hat) const {
  NMC_RETURN_IF_ERROR(check_loaded());
  NMC_RETURN_IF_ERROR(check_exec("g_s", exec));
  NMC_RETURN_IF_ERROR(check_feature("g_s", "y_hat", y_hat, weights_->m, 1));
  const HyperpriorWeights& w = *weights_;
  NMC_ASSIGN_OR_RETURN(Tensor t, run_conv(exec, w.g_s[0], y_hat));
  for (int i = 0; i < 3; ++i) {
    NMC_RETURN_IF_ERROR(run_gdn(exec, w.g_s_igdn[i], t));
    NMC_ASSIGN_OR_RETURN(t, run_conv(exec, w.g_s[i + 1], t));
  }
  NMC_RETURN_IF_ERROR(run_clamp(exec, 0.0f, 1.0f, t));
  return t;
}

}  // namespace nmc::image
