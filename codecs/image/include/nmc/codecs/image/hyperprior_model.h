// HyperpriorModel: CompressAI's bmshj2018-hyperprior (ScaleHyperprior) and
// mbt2018-mean (MeanScaleHyperprior) in float32, stage by stage.
//
// Loading: from a Checkpoint or a SafetensorsFile holding a CompressAI
// state_dict() saved after update() (names "g_a.0.weight", "g_a.1.beta",
// "g_a.1.beta_reparam.lower_bound.bound", "entropy_bottleneck.quantiles",
// "entropy_bottleneck._quantized_cdf", "gaussian_conditional.scale_table", ...;
// an optional "module." prefix on every name is accepted). Every tensor the
// model uses is checked for presence (NotFound), dtype and shape (InvalidData),
// and the CDF buffers are validated as tables (InvalidData). Tensors the model
// does not use (the EntropyBottleneck density parameters, likelihood bounds,
// "entropy_bottleneck.target") are ignored. GDN/IGDN parameters are converted
// once at load to their effective values eff = max(raw, bound)^2 - pedestal in
// float32 with the stored bound and pedestal buffers. Convolution weights stay
// zero-copy views on the file's mapping, which the model keeps alive.
//
// Stages (NCHW float32, batch 1, contiguous host tensors; results are new
// tensors allocated from the Exec's backend):
//   analysis         g_a(x):     [1, 3, H, W]       -> y [1, M, H/16, W/16]   (H, W multiples of 16)
//   hyper_analysis   h_a(y):     [1, M, h, w]       -> z [1, N, h/4, w/4]     (h, w multiples of 4)
//   hyper_synthesis  h_s(z_hat): [1, N, h, w]       -> scales (and means for mbt2018-mean) [1, M, 4h, 4w]
//   synthesis        g_s(y_hat): [1, M, h, w]       -> x_hat [1, 3, 16h, 16w], clamped to [0, 1]
// A whole image therefore needs H and W to be multiples of 64 (padding is the
// caller's job). Violations are InvalidArgument. Only backends whose device is
// the host (reference, cpu) are accepted; others give Unsupported.
//
// Entropy helpers (host tensors): quantization around the EntropyBottleneck
// medians and the Gaussian means with round-half-to-even (torch.round), the
// Gaussian table index of a scale (CompressAI build_indexes), and rANS coding
// of the symbol tensors. With lanes = 1 the strings are byte for byte those of
// CompressAI's compress() (docs/entropy.md).
//
// Thread rules: immutable after load; const methods may run concurrently
// (each call with its own Exec / ThreadPool). Copies share the weights.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "nmc/codecs/image/hyperprior_config.h"
#include "nmc/kernels/checkpoint.h"
#include "nmc/kernels/ops.h"
#include "nmc/kernels/safetensors.h"
#include "nmc/kernels/tensor.h"

namespace nmc::image {

struct HyperpriorWeights;  // defined in the implementation

// Output of h_s. `means` is undefined (Tensor::defined() == false) for bmshj2018-hyperprior.
struct HyperpriorParams {
  Tensor scales;  // f32 [1, M, h, w], before the 0.11 lower bound
  Tensor means;   // f32 [1, M, h, w]
};

// A quantized latent: the integer symbols the bitstream carries and the
// dequantized float values the decoder continues with.
struct QuantizedLatent {
  Tensor symbols;  // i32, same shape as the latent
  Tensor values;   // f32, symbols + median / mean
};

class HyperpriorModel {
 public:
  HyperpriorModel() = default;

  static Result<HyperpriorModel> load(const Checkpoint& checkpoint, const HyperpriorConfig& config);
  static Result<HyperpriorModel> load(const SafetensorsFile& file, const HyperpriorConfig& config);

  // A default-constructed model is not loaded: its stages return InvalidArgument
  // and kind(), n(), m() are meaningless (n() == m() == 0).
  bool loaded() const { return weights_ != nullptr; }
  HyperpriorKind kind() const;
  int64_t n() const;
  int64_t m() const;

  // ---- transforms --------------------------------------------------------
  Result<Tensor> analysis(const Exec& exec, const Tensor& x) const;
  Result<Tensor> hyper_analysis(const Exec& exec, const Tensor& y) const;
  Result<HyperpriorParams> hyper_synthesis(const Exec& exec, const Tensor& z_hat) const;
  Result<Tensor> synthesis(const Exec& exec, const Tensor& y_hat) const;

  // ---- quantization (host tensors) ----------------------------------------
  // z [1, N, h, w]: symbols = round(z - median[c]), values = symbols + median[c].
  // InvalidArgument for a value whose symbol is not finite or not an int32.
  Result<QuantizedLatent> quantize_z(const Tensor& z) const;
  // z_symbols [1, N, h, w] (i32) -> z_hat = symbols + median[c].
  Result<Tensor> dequantize_z(const Tensor& z_symbols) const;
  // y [1, M, h, w]: symbols = round(y - means), values = symbols + means.
  // `means` is required for mbt2018-mean and must be null for bmshj2018-hyperprior.
  Result<QuantizedLatent> quantize_y(const Tensor& y, const Tensor* means) const;
  Result<Tensor> dequantize_y(const Tensor& y_symbols, const Tensor* means) const;
  // Gaussian table index per element (i32, same shape): the first table entry
  // >= max(scale, lower bound), capped at the last table (CompressAI build_indexes).
  Result<Tensor> gaussian_indexes(const Tensor& scales) const;

  // ---- entropy coding (host tensors) ---------------------------------------
  // lanes: 1, 4 or 8 (rans.h); 1 reproduces CompressAI's strings.
  // z symbols are coded with table c for channel c (EntropyBottleneck tables).
  Result<std::vector<uint8_t>> compress_z(const Tensor& z_symbols, int lanes = 1) const;
  // Decodes N*h*w z symbols -> i32 [1, N, h, w]. InvalidData for a corrupt stream.
  Result<Tensor> decompress_z(std::span<const uint8_t> bytes, int64_t h, int64_t w, int lanes = 1) const;
  // y symbols coded with the Gaussian tables `indexes` (i32, same shape [1, M, h, w]).
  Result<std::vector<uint8_t>> compress_y(const Tensor& y_symbols, const Tensor& indexes, int lanes = 1) const;
  Result<Tensor> decompress_y(std::span<const uint8_t> bytes, const Tensor& indexes, int lanes = 1) const;

 private:
  explicit HyperpriorModel(std::shared_ptr<const HyperpriorWeights> w) : weights_(std::move(w)) {}
  Status check_loaded() const;

  std::shared_ptr<const HyperpriorWeights> weights_;
};

}  // namespace nmc::image
