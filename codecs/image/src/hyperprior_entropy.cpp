// HyperpriorModel: quantization, Gaussian table indexes and rANS coding of
// the latents (CompressAI EntropyBottleneck / GaussianConditional semantics).
#include <algorithm>
#include <cmath>
#include <string>

#include "hyperprior_weights.h"
#include "nmc/codecs/entropy/rans.h"
#include "nmc/codecs/entropy/table_builders.h"
#include "nmc/codecs/image/hyperprior_model.h"

namespace nmc::image {
namespace {

// Largest |H|, |W| of a latent accepted by decompress_z (a z of 2^16 x 2^16 is
// a 4 Mpixel-by-4 Mpixel image; anything larger is a corrupt header).
constexpr int64_t kMaxLatentSide = int64_t{1} << 16;

// t must be a contiguous host tensor of `dtype` and shape [1, channels, h, w].
Status check_latent(const char* op, const char* what, const Tensor* t, DType dtype, int64_t channels) {
  const std::string where = std::string("hyperprior ") + op + ": " + what;
  if (!t || !t->defined()) return InvalidArgument(where + " is missing");
  if (t->dtype() != dtype || t->device() != Device::kCpu || !t->is_contiguous())
    return InvalidArgument(where + " must be a contiguous " + dtype_name(dtype) + " host tensor, got " +
                           t->describe());
  if (t->rank() != 4 || t->dim(0) != 1 || t->dim(1) != channels || t->dim(2) < 1 || t->dim(3) < 1)
    return InvalidArgument(where + " must have shape [1, " + std::to_string(channels) + ", h, w], got " +
                           t->shape().to_string());
  return Status::Ok();
}

// torch.round (half to even) of v as an int32 symbol; false when v is NaN or
// the rounded value is outside int32.
bool round_symbol(float v, int32_t& s) {
  const float r = std::nearbyint(v);  // default rounding mode: to nearest, ties to even
  if (!(r >= -2147483648.0f && r < 2147483648.0f)) return false;
  s = static_cast<int32_t>(r);
  return true;
}

// symbols = round(x - center), values = symbols + center, where center is
// centers[c] per channel (plane = h * w elements each) or, when per_element is
// set, the element of `means` itself.
Status quantize(const char* op, const Tensor& x, const float* centers, bool per_element, QuantizedLatent& out) {
  NMC_ASSIGN_OR_RETURN(out.symbols, Tensor::zeros(x.shape(), DType::kI32));
  NMC_ASSIGN_OR_RETURN(out.values, Tensor::zeros(x.shape(), DType::kF32));
  const int64_t plane = x.dim(2) * x.dim(3), count = x.numel();
  const float* src = x.data<float>();
  int32_t* sym = out.symbols.data<int32_t>();
  float* val = out.values.data<float>();
  for (int64_t i = 0; i < count; ++i) {
    const float center = per_element ? centers[i] : centers[i / plane];
    if (!round_symbol(src[i] - center, sym[i]))
      return InvalidArgument(std::string("hyperprior ") + op + ": element " + std::to_string(i) +
                             " is not finite or its symbol is outside int32");
    val[i] = static_cast<float>(sym[i]) + center;
  }
  return Status::Ok();
}

Result<Tensor> dequantize(const Tensor& symbols, const float* centers, bool per_element) {
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::zeros(symbols.shape(), DType::kF32));
  const int64_t plane = symbols.dim(2) * symbols.dim(3), count = symbols.numel();
  const int32_t* sym = symbols.data<int32_t>();
  float* val = out.data<float>();
  for (int64_t i = 0; i < count; ++i) {
    const float center = per_element ? (centers ? centers[i] : 0.0f) : centers[i / plane];
    val[i] = static_cast<float>(sym[i]) + center;
  }
  return out;
}

// Means are required exactly for the mean-scale model and must match y's shape.
Status check_means(const char* op, HyperpriorKind kind, const Tensor& y, const Tensor* means, int64_t m) {
  if (kind == HyperpriorKind::kScaleHyperprior) {
    if (means) return InvalidArgument(std::string("hyperprior ") + op + ": bmshj2018-hyperprior takes no means");
    return Status::Ok();
  }
  NMC_RETURN_IF_ERROR(check_latent(op, "means", means, DType::kF32, m));
  if (means->shape() != y.shape())
    return InvalidArgument(std::string("hyperprior ") + op + ": means shape " + means->shape().to_string() +
                           " differs from " + y.shape().to_string());
  return Status::Ok();
}

std::span<const int32_t> i32_span(const Tensor& t) { return {t.data<int32_t>(), static_cast<size_t>(t.numel())}; }

Status check_lanes(const char* op, int lanes) {
  if (!entropy::is_supported_lane_count(lanes))
    return InvalidArgument(std::string("hyperprior ") + op + ": lanes must be 1, 4 or 8, got " +
                           std::to_string(lanes));
  return Status::Ok();
}

// Table index per z element: its channel.
std::vector<int32_t> channel_indexes(int64_t channels, int64_t plane) {
  std::vector<int32_t> idx(static_cast<size_t>(channels * plane));
  for (int64_t c = 0; c < channels; ++c)
    std::fill(idx.begin() + c * plane, idx.begin() + (c + 1) * plane, static_cast<int32_t>(c));
  return idx;
}

}  // namespace

Result<QuantizedLatent> HyperpriorModel::quantize_z(const Tensor& z) const {
  NMC_RETURN_IF_ERROR(check_loaded());
  NMC_RETURN_IF_ERROR(check_latent("quantize_z", "z", &z, DType::kF32, weights_->n));
  QuantizedLatent q;
  NMC_RETURN_IF_ERROR(quantize("quantize_z", z, weights_->eb_medians.data(), false, q));
  return q;
}

Result<Tensor> HyperpriorModel::dequantize_z(const Tensor& z_symbols) const {
  NMC_RETURN_IF_ERROR(check_loaded());
  NMC_RETURN_IF_ERROR(check_latent("dequantize_z", "z_symbols", &z_symbols, DType::kI32, weights_->n));
  return dequantize(z_symbols, weights_->eb_medians.data(), false);
}

Result<QuantizedLatent> HyperpriorModel::quantize_y(const Tensor& y, const Tensor* means) const {
  NMC_RETURN_IF_ERROR(check_loaded());
  NMC_RETURN_IF_ERROR(check_latent("quantize_y", "y", &y, DType::kF32, weights_->m));
  NMC_RETURN_IF_ERROR(check_means("quantize_y", weights_->kind, y, means, weights_->m));
  QuantizedLatent q;
  if (means) {
    NMC_RETURN_IF_ERROR(quantize("quantize_y", y, means->data<float>(), true, q));
  } else {
    // Zero means: round(y - 0) + 0 (a float32 no-op, so this equals round(y)).
    std::vector<float> zeros(static_cast<size_t>(y.dim(1)), 0.0f);
    NMC_RETURN_IF_ERROR(quantize("quantize_y", y, zeros.data(), false, q));
  }
  return q;
}

Result<Tensor> HyperpriorModel::dequantize_y(const Tensor& y_symbols, const Tensor* means) const {
  NMC_RETURN_IF_ERROR(check_loaded());
  NMC_RETURN_IF_ERROR(check_latent("dequantize_y", "y_symbols", &y_symbols, DType::kI32, weights_->m));
  NMC_RETURN_IF_ERROR(check_means("dequantize_y", weights_->kind, y_symbols, means, weights_->m));
  return dequantize(y_symbols, means ? means->data<float>() : nullptr, true);
}

Result<Tensor> HyperpriorModel::gaussian_indexes(const Tensor& scales) const {
  NMC_RETURN_IF_ERROR(check_loaded());
  NMC_RETURN_IF_ERROR(check_latent("gaussian_indexes", "scales", &scales, DType::kF32, weights_->m));
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::zeros(scales.shape(), DType::kI32));
  const float* s = scales.data<float>();
  int32_t* idx = out.data<int32_t>();
  const float bound = weights_->scale_lower_bound;
  for (int64_t i = 0; i < scales.numel(); ++i) {
    // torch.max(scale, bound): NaN stays NaN (and maps to the last table).
    const float bounded = std::max(s[i], bound);
    idx[i] = entropy::gaussian_scale_index(weights_->scale_table, bounded);
  }
  return out;
}

Result<std::vector<uint8_t>> HyperpriorModel::compress_z(const Tensor& z_symbols, int lanes) const {
  NMC_RETURN_IF_ERROR(check_loaded());
  NMC_RETURN_IF_ERROR(check_latent("compress_z", "z_symbols", &z_symbols, DType::kI32, weights_->n));
  NMC_RETURN_IF_ERROR(check_lanes("compress_z", lanes));
  const auto indexes = channel_indexes(weights_->n, z_symbols.dim(2) * z_symbols.dim(3));
  entropy::RansEncoder enc(lanes);
  NMC_RETURN_IF_ERROR(enc.encode(i32_span(z_symbols), indexes, weights_->eb_tables));
  return enc.finish();
}

Result<Tensor> HyperpriorModel::decompress_z(std::span<const uint8_t> bytes, int64_t h, int64_t w, int lanes) const {
  NMC_RETURN_IF_ERROR(check_loaded());
  NMC_RETURN_IF_ERROR(check_lanes("decompress_z", lanes));
  if (h < 1 || w < 1 || h > kMaxLatentSide || w > kMaxLatentSide)
    return InvalidArgument("hyperprior decompress_z: latent size " + std::to_string(h) + "x" + std::to_string(w) +
                           " outside [1, 65536]");
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::zeros(Shape{1, weights_->n, h, w}, DType::kI32));
  const auto indexes = channel_indexes(weights_->n, h * w);
  NMC_ASSIGN_OR_RETURN(auto dec, entropy::RansDecoder::open(bytes, lanes));
  NMC_RETURN_IF_ERROR(dec.decode({out.data<int32_t>(), static_cast<size_t>(out.numel())}, indexes,
                                 weights_->eb_tables));
  NMC_RETURN_IF_ERROR(dec.finish());
  return out;
}

Result<std::vector<uint8_t>> HyperpriorModel::compress_y(const Tensor& y_symbols, const Tensor& indexes,
                                                         int lanes) const {
  NMC_RETURN_IF_ERROR(check_loaded());
  NMC_RETURN_IF_ERROR(check_latent("compress_y", "y_symbols", &y_symbols, DType::kI32, weights_->m));
  NMC_RETURN_IF_ERROR(check_latent("compress_y", "indexes", &indexes, DType::kI32, weights_->m));
  if (indexes.shape() != y_symbols.shape())
    return InvalidArgument("hyperprior compress_y: indexes shape " + indexes.shape().to_string() +
                           " differs from y_symbols shape " + y_symbols.shape().to_string());
  NMC_RETURN_IF_ERROR(check_lanes("compress_y", lanes));
  entropy::RansEncoder enc(lanes);
  NMC_RETURN_IF_ERROR(enc.encode(i32_span(y_symbols), i32_span(indexes), weights_->gaussian_tables));
  return enc.finish();
}

Result<Tensor> HyperpriorModel::decompress_y(std::span<const uint8_t> bytes, const Tensor& indexes,
                                             int lanes) const {
  NMC_RETURN_IF_ERROR(check_loaded());
  NMC_RETURN_IF_ERROR(check_latent("decompress_y", "indexes", &indexes, DType::kI32, weights_->m));
  NMC_RETURN_IF_ERROR(check_lanes("decompress_y", lanes));
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::zeros(indexes.shape(), DType::kI32));
  NMC_ASSIGN_OR_RETURN(auto dec, entropy::RansDecoder::open(bytes, lanes));
  NMC_RETURN_IF_ERROR(dec.decode({out.data<int32_t>(), static_cast<size_t>(out.numel())}, i32_span(indexes),
                                 weights_->gaussian_tables));
  NMC_RETURN_IF_ERROR(dec.finish());
  return out;
}

}  // namespace nmc::image
