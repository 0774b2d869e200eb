// Loader of the hyperprior state_dict: architecture layout per kind, GDN
// reparametrization and the entropy models' tables.
#include "hyperprior_weights.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "weight_reader.h"

namespace nmc::image {
namespace {

std::string layer_name(std::string_view module, int index) { return std::string(module) + "." + std::to_string(index); }

// Conv2d / ConvTranspose2d `name` (".weight" and ".bias"), in -> out channels.
Result<ConvLayer> load_conv(const WeightReader& r, const std::string& name, int64_t in, int64_t out, int kernel,
                            int stride, bool transposed) {
  ConvLayer layer;
  layer.kernel = kernel;
  layer.stride = stride;
  layer.transposed = transposed;
  const Shape wshape = transposed ? Shape{in, out, kernel, kernel} : Shape{out, in, kernel, kernel};
  NMC_ASSIGN_OR_RETURN(layer.weight, r.get(name + ".weight", DType::kF32, wshape));
  NMC_ASSIGN_OR_RETURN(layer.bias, r.get(name + ".bias", DType::kF32, Shape{out}));
  return layer;
}

// CompressAI's NonNegativeParametrizer.forward in float32: max(raw, bound)^2 - pedestal.
// (This file is compiled without FMA, so the square is rounded before the subtraction, as in PyTorch.)
Result<Tensor> reparametrize(const WeightReader& r, const std::string& name, const Shape& shape) {
  NMC_ASSIGN_OR_RETURN(Tensor raw, r.get(name, DType::kF32, shape));
  NMC_ASSIGN_OR_RETURN(const float bound, r.get_scalar(name + "_reparam.lower_bound.bound"));
  NMC_ASSIGN_OR_RETURN(const float pedestal, r.get_scalar(name + "_reparam.pedestal"));
  if (!std::isfinite(bound) || !std::isfinite(pedestal) || bound < 0.0f || pedestal < 0.0f)
    return r.invalid(name + "_reparam", "has a negative or non-finite bound or pedestal");
  NMC_ASSIGN_OR_RETURN(Tensor eff, Tensor::zeros(shape, DType::kF32));
  const float* src = raw.data<float>();
  float* dst = eff.data<float>();
  for (int64_t i = 0; i < raw.numel(); ++i) {
    const float clamped = std::max(src[i], bound);  // NaN stays NaN, as torch.max does
    const float square = clamped * clamped;
    dst[i] = square - pedestal;
  }
  return eff;
}

Result<GdnLayer> load_gdn(const WeightReader& r, const std::string& name, int64_t channels, bool inverse) {
  GdnLayer layer;
  layer.inverse = inverse;
  NMC_ASSIGN_OR_RETURN(layer.beta, reparametrize(r, name + ".beta", Shape{channels}));
  NMC_ASSIGN_OR_RETURN(layer.gamma, reparametrize(r, name + ".gamma", Shape{channels, channels}));
  return layer;
}

// The CompressAI CDF buffers "<module>._quantized_cdf" [tables, *], "_offset" and
// "_cdf_length" [tables] as a validated table set.
Result<entropy::CdfTableSet> load_tables(const WeightReader& r, const std::string& module, int64_t tables) {
  const std::string cdf_name = module + "._quantized_cdf";
  NMC_ASSIGN_OR_RETURN(Tensor cdf, r.get_rank(cdf_name, DType::kI32, Shape{tables, -1}));
  NMC_ASSIGN_OR_RETURN(Tensor offset, r.get(module + "._offset", DType::kI32, Shape{tables}));
  NMC_ASSIGN_OR_RETURN(Tensor length, r.get(module + "._cdf_length", DType::kI32, Shape{tables}));
  const int64_t stride = cdf.dim(1);
  auto set = entropy::CdfTableSet::from_compressai({cdf.data<int32_t>(), static_cast<size_t>(cdf.numel())}, stride,
                                                   {length.data<int32_t>(), static_cast<size_t>(tables)},
                                                   {offset.data<int32_t>(), static_cast<size_t>(tables)});
  if (!set.ok()) return r.invalid(cdf_name, "is not a valid CDF table set: " + set.status().message());
  return std::move(set).value();
}

Status load_entropy_bottleneck(const WeightReader& r, HyperpriorWeights& w) {
  const std::string name = "entropy_bottleneck.quantiles";
  NMC_ASSIGN_OR_RETURN(Tensor quantiles, r.get(name, DType::kF32, Shape{w.n, 1, 3}));
  w.eb_medians.resize(static_cast<size_t>(w.n));
  for (int64_t c = 0; c < w.n; ++c) {
    w.eb_medians[c] = quantiles.data<float>()[c * 3 + 1];
    if (!std::isfinite(w.eb_medians[c])) return r.invalid(name, "has a non-finite median");
  }
  NMC_ASSIGN_OR_RETURN(w.eb_tables, load_tables(r, "entropy_bottleneck", w.n));
  return Status::Ok();
}

Status load_gaussian_conditional(const WeightReader& r, HyperpriorWeights& w) {
  const std::string name = "gaussian_conditional.scale_table";
  NMC_ASSIGN_OR_RETURN(const SafetensorsTensorInfo* info, r.info(name));
  const int64_t levels = info->shape.rank == 1 ? info->shape[0] : 0;
  if (levels < 1 || levels > entropy::kMaxTables)
    return r.invalid(name, "has shape " + info->shape.to_string() + ", expected [L] with 1 <= L <= 65536");
  NMC_ASSIGN_OR_RETURN(Tensor table, r.get(name, DType::kF32, Shape{levels}));
  w.scale_table.assign(table.data<float>(), table.data<float>() + levels);
  for (float s : w.scale_table)
    if (!(std::isfinite(s) && s > 0.0f)) return r.invalid(name, "holds a scale that is not finite and > 0");
  // Optional: CompressAI always stores it; 0.11 is its fixed default.
  const std::string bound_name = "gaussian_conditional.lower_bound_scale.bound";
  if (r.info(bound_name).ok()) {
    NMC_ASSIGN_OR_RETURN(w.scale_lower_bound, r.get_scalar(bound_name));
    if (!std::isfinite(w.scale_lower_bound)) return r.invalid(bound_name, "is not finite");
  }
  NMC_ASSIGN_OR_RETURN(w.gaussian_tables, load_tables(r, "gaussian_conditional", levels));
  return Status::Ok();
}

// N from g_a.0.weight [N, 3, 5, 5], M from g_a.6.weight [M, N, 5, 5] (the full shape
// is checked when the layer loads).
Result<int64_t> infer_channels(const WeightReader& r, const std::string& name) {
  NMC_ASSIGN_OR_RETURN(const SafetensorsTensorInfo* info, r.info(name));
  if (info->shape.rank != 4 || info->shape[0] < 1)
    return r.invalid(name, "has shape " + info->shape.to_string() + ", expected [C, C_in, 5, 5] with C >= 1");
  return info->shape[0];
}

Status load_transforms(const WeightReader& r, HyperpriorWeights& w) {
  const int64_t n = w.n, m = w.m;
  const bool mean_scale = w.kind == HyperpriorKind::kMeanScaleHyperprior;
  // g_a: conv(3->N), GDN, conv(N->N), GDN, conv(N->N), GDN, conv(N->M); all 5x5 stride 2.
  // g_s mirrors it with transposed convolutions and IGDN.
  const int64_t ga_in[4] = {3, n, n, n}, ga_out[4] = {n, n, n, m};
  const int64_t gs_in[4] = {m, n, n, n}, gs_out[4] = {n, n, n, 3};
  // Modules load in state_dict order, so the first problem reported is the first in the file's layout.
  for (int i = 0; i < 4; ++i) {
    NMC_ASSIGN_OR_RETURN(w.g_a[i], load_conv(r, layer_name("g_a", 2 * i), ga_in[i], ga_out[i], 5, 2, false));
    if (i < 3) {
      NMC_ASSIGN_OR_RETURN(w.g_a_gdn[i], load_gdn(r, layer_name("g_a", 2 * i + 1), n, false));
    }
  }
  for (int i = 0; i < 4; ++i) {
    NMC_ASSIGN_OR_RETURN(w.g_s[i], load_conv(r, layer_name("g_s", 2 * i), gs_in[i], gs_out[i], 5, 2, true));
    if (i < 3) {
      NMC_ASSIGN_OR_RETURN(w.g_s_igdn[i], load_gdn(r, layer_name("g_s", 2 * i + 1), n, true));
    }
  }
  // h_a: conv3x3/1 (M->N), conv5x5/2 (N->N), conv5x5/2 (N->N).
  NMC_ASSIGN_OR_RETURN(w.h_a[0], load_conv(r, "h_a.0", m, n, 3, 1, false));
  NMC_ASSIGN_OR_RETURN(w.h_a[1], load_conv(r, "h_a.2", n, n, 5, 2, false));
  NMC_ASSIGN_OR_RETURN(w.h_a[2], load_conv(r, "h_a.4", n, n, 5, 2, false));
  // h_s: deconv5x5/2, deconv5x5/2, conv3x3/1.
  //   mbt2018-mean:         N -> M -> 3M/2 -> 2M (scales then means)
  //   bmshj2018-hyperprior: N -> N -> N    -> M
  const int64_t hs1 = mean_scale ? m : n, hs2 = mean_scale ? m * 3 / 2 : n, hs3 = mean_scale ? 2 * m : m;
  NMC_ASSIGN_OR_RETURN(w.h_s[0], load_conv(r, "h_s.0", n, hs1, 5, 2, true));
  NMC_ASSIGN_OR_RETURN(w.h_s[1], load_conv(r, "h_s.2", hs1, hs2, 5, 2, true));
  NMC_ASSIGN_OR_RETURN(w.h_s[2], load_conv(r, "h_s.4", hs2, hs3, 3, 1, false));
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<const HyperpriorWeights>> load_hyperprior_weights(const TensorSource& source,
                                                                         const HyperpriorConfig& config) {
  if (config.kind != HyperpriorKind::kScaleHyperprior && config.kind != HyperpriorKind::kMeanScaleHyperprior)
    return InvalidArgument("hyperprior: unknown model kind " + std::to_string(static_cast<int>(config.kind)));
  auto w = std::make_shared<HyperpriorWeights>();
  w->kind = config.kind;
  const std::string kind = hyperprior_kind_name(config.kind);
  // DataParallel checkpoints carry "module." on every name.
  const std::string prefix = !source.find("g_a.0.weight") && source.find("module.g_a.0.weight") ? "module." : "";
  WeightReader r(source, prefix, "hyperprior " + kind);

  // Configured values that can never fit are the caller's error; inferred ones are the checkpoint's.
  if (config.n < 0 || config.m < 0 || config.n > kMaxHyperpriorChannels || config.m > kMaxHyperpriorChannels)
    return InvalidArgument(r.context() + ": N and M must be in [0, " + std::to_string(kMaxHyperpriorChannels) +
                           "] (0 = infer)");
  if (config.kind == HyperpriorKind::kMeanScaleHyperprior && config.m % 2 != 0)
    return InvalidArgument(r.context() + ": M must be even (h_s is 3M/2 wide), got " + std::to_string(config.m));
  if (config.n > 0) {
    w->n = config.n;
  } else {
    NMC_ASSIGN_OR_RETURN(w->n, infer_channels(r, "g_a.0.weight"));
  }
  if (config.m > 0) {
    w->m = config.m;
  } else {
    NMC_ASSIGN_OR_RETURN(w->m, infer_channels(r, "g_a.6.weight"));
  }
  const std::string dims = " N=" + std::to_string(w->n) + " M=" + std::to_string(w->m);
  if (w->n < 1 || w->n > kMaxHyperpriorChannels || w->m < 1 || w->m > kMaxHyperpriorChannels)
    return InvalidData(r.context() + ":" + dims + " outside [1, " + std::to_string(kMaxHyperpriorChannels) + "]");
  if (config.kind == HyperpriorKind::kMeanScaleHyperprior && w->m % 2 != 0)
    return InvalidData(r.context() + ":" + dims + ": M must be even (h_s is 3M/2 wide)");
  r.set_context(r.context() + dims);

  NMC_RETURN_IF_ERROR(load_transforms(r, *w));
  NMC_RETURN_IF_ERROR(load_entropy_bottleneck(r, *w));
  NMC_RETURN_IF_ERROR(load_gaussian_conditional(r, *w));
  return std::shared_ptr<const HyperpriorWeights>(std::move(w));
}

}  // namespace nmc::image
