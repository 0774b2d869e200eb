// Choosing the next token from a row of logits: greedy, or seeded sampling
// with temperature, top-k and top-p applied in that order (as Hugging Face's
// generate() applies its logits warpers).
//
// Greedy (temperature <= 0) takes the largest logit, the lowest id on ties.
// Sampling divides the logits by the temperature, keeps the top_k largest
// (0 = all; ties at the boundary broken by lower id), then the smallest set
// of most probable tokens whose probability reaches top_p (at least one),
// renormalises and draws with the sampler's own generator: a given seed gives
// the same tokens on every platform (std::mt19937_64 and a 53-bit uniform).
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "nmc/kernels/status.h"

namespace nmc::vision {

struct SamplingSettings {
  float temperature = 0.0f;  // <= 0: greedy
  int32_t top_k = 0;         // 0: no limit
  float top_p = 1.0f;        // (0, 1]
  uint64_t seed = 0;
};

class TokenSampler {
 public:
  // kInvalidArgument for a NaN temperature, top_k < 0 or top_p outside (0, 1].
  static Result<TokenSampler> create(const SamplingSettings& settings);
  // The next token; kInvalidArgument for an empty row or one whose logits are
  // all NaN / -inf.
  Result<int32_t> next(std::span<const float> logits);

 private:
  SamplingSettings s_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int32_t>> work_;
};

}  // namespace nmc::vision
