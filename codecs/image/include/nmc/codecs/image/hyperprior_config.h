// Configuration of a CompressAI-compatible hyperprior image model (codecs/image).
//
// Two architectures share one implementation (HyperpriorModel):
//   - "bmshj2018-hyperprior" (CompressAI ScaleHyperprior): h_a takes |y|, ReLU
//     activations, h_s predicts the scales of a zero-mean Gaussian;
//   - "mbt2018-mean" (CompressAI MeanScaleHyperprior): LeakyReLU(0.01)
//     activations, h_s predicts scales and means.
// N is the width of the transforms and of z, M the number of latent channels.
#pragma once

#include <cstdint>
#include <string_view>

#include "nmc/kernels/status.h"

namespace nmc::image {

enum class HyperpriorKind : uint8_t {
  kScaleHyperprior = 0,      // bmshj2018-hyperprior
  kMeanScaleHyperprior = 1,  // mbt2018-mean
};

// CompressAI's model name: "bmshj2018-hyperprior" or "mbt2018-mean".
const char* hyperprior_kind_name(HyperpriorKind kind);
// Inverse of hyperprior_kind_name; InvalidArgument for any other name.
Result<HyperpriorKind> parse_hyperprior_kind(std::string_view name);

// Upper bound on N and M accepted by the loader (released models use <= 320).
inline constexpr int64_t kMaxHyperpriorChannels = 4096;

struct HyperpriorConfig {
  HyperpriorKind kind = HyperpriorKind::kMeanScaleHyperprior;
  // Channel counts; 0 = infer from the weights (g_a.0.weight is [N, 3, 5, 5],
  // g_a.6.weight is [M, N, 5, 5]). mbt2018-mean needs an even M (h_s is 3M/2 wide).
  int64_t n = 0;
  int64_t m = 0;
};

}  // namespace nmc::image
