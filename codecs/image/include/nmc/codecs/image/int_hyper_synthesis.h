// IntHyperSynthesis: the hyper-synthesis h_s of the CompressAI hyperprior
// models in integer arithmetic only, so that the Gaussian table index of every
// y element (and, for mbt2018-mean, its mean) is bit-identical on every
// machine, ISA path and thread count (DESIGN.md, determinism contract).
//
// The integer model is made at conversion time by
// tools/convert/quantize_hyper_synthesis.py (post-training quantization of the
// float h_s) and stored next to the float weights as `nmc.int_h_s.*` tensors;
// that script's docstring is the format specification (version 1). In short:
// int8 weights per output channel, int16 activations with power-of-two scales
// and a saturation bound, int32 biases and accumulators (overflow excluded by a
// bound checked at load), int64 requantization (acc * multiplier + 2^(shift-1))
// >> shift, LeakyReLU(0.01) as (x * 10486 + 2^19) >> 20 for x < 0 (mbt) or ReLU
// (bmshj); the scale channels end in integer thresholds that give the table
// index directly, the mean channels in int32 with 2^-mean_frac_bits units.
//
// Thread rules: immutable after load; run() may be called concurrently (each
// call with its own pool or none). Copies share the parameters.
#pragma once

#include <cstdint>
#include <memory>

#include "nmc/codecs/image/hyperprior_config.h"
#include "nmc/kernels/safetensors.h"
#include "nmc/kernels/tensor.h"
#include "nmc/kernels/thread_pool.h"

namespace nmc::image {

struct IntHyperSynthesisState;  // defined in the implementation

// Output of the integer h_s for z of [1, N, h, w]; host tensors.
struct IntHyperParams {
  Tensor indexes;  // i32 [1, M, 4h, 4w]: Gaussian table index per y element
  Tensor means;    // f32 [1, M, 4h, 4w] = mean_int * 2^-mean_frac_bits exactly; undefined for bmshj2018-hyperprior
};

class IntHyperSynthesis {
 public:
  static constexpr int32_t kFormatVersion = 1;

  IntHyperSynthesis() = default;

  // Reads and validates the nmc.int_h_s.* tensors of `file`. config.kind
  // selects the architecture; config.n / config.m may be 0 (taken from the
  // tensors) or must match them. Errors: NotFound when the file has no
  // nmc.int_h_s.* tensor (converted before the integer path existed);
  // Unsupported for another format version; InvalidData naming the tensor for
  // a missing tensor, a wrong dtype or shape, a value out of range (weights
  // outside [-127, 127], activation bounds outside [1, 32767], shifts outside
  // [1, 62], negative multipliers, decreasing thresholds, a threshold count
  // other than len(gaussian_conditional.scale_table) - 1 when the file has the
  // scale table), or an accumulator bound >= 2^31 - 1.
  static Result<IntHyperSynthesis> load(const SafetensorsFile& file, const HyperpriorConfig& config);

  bool loaded() const { return state_ != nullptr; }
  HyperpriorKind kind() const;
  int64_t n() const;
  int64_t m() const;
  int32_t mean_frac_bits() const;  // 0 for bmshj2018-hyperprior
  int32_t table_count() const;     // number of Gaussian tables the indexes address (thresholds + 1)

  // z_symbols: contiguous i32 host tensor [1, N, h, w], 1 <= h, w <= 4096.
  // Symbols are used as z_hat = z + median with saturation at the input bound.
  // pool may be null (serial). InvalidArgument for a bad input or an unloaded model.
  Result<IntHyperParams> run(const Tensor& z_symbols, ThreadPool* pool) const;

 private:
  explicit IntHyperSynthesis(std::shared_ptr<const IntHyperSynthesisState> s) : state_(std::move(s)) {}
  std::shared_ptr<const IntHyperSynthesisState> state_;
};

}  // namespace nmc::image
