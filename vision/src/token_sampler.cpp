#include "nmc/vision/token_sampler.h"

#include <algorithm>
#include <cmath>

namespace nmc::vision {

Result<TokenSampler> TokenSampler::create(const SamplingSettings& settings) {
  if (std::isnan(settings.temperature)) return InvalidArgument("sampling: temperature is NaN");
  if (settings.top_k < 0) return InvalidArgument("sampling: top_k must be >= 0");
  if (!(settings.top_p > 0.0f && settings.top_p <= 1.0f)) return InvalidArgument("sampling: top_p must be in (0, 1]");
  TokenSampler t;
  t.s_ = settings;
  t.rng_.seed(settings.seed);
  return t;
}

Result<int32_t> TokenSampler::next(std::span<const float> logits) {
  if (logits.empty()) return InvalidArgument("sampling: no logits");
  int32_t best = -1;
  for (size_t i = 0; i < logits.size(); ++i)
    if (!std::isnan(logits[i]) && logits[i] != -INFINITY && (best < 0 || logits[i] > logits[static_cast<size_t>(best)]))
      best = static_cast<int32_t>(i);
  if (best < 0) return InvalidArgument("sampling: every logit is NaN or -inf");
  if (!(s_.temperature > 0.0f)) return best;

  // Candidates sorted by logit (descending, lower id first on ties), cut to top_k.
  work_.clear();
  for (size_t i = 0; i < logits.size(); ++i)
    if (!std::isnan(logits[i]) && logits[i] != -INFINITY) work_.emplace_back(logits[i], static_cast<int32_t>(i));
  auto order = [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; };
  size_t keep = work_.size();
  if (s_.top_k > 0 && static_cast<size_t>(s_.top_k) < keep) {
    keep = static_cast<size_t>(s_.top_k);
    std::partial_sort(work_.begin(), work_.begin() + static_cast<std::ptrdiff_t>(keep), work_.end(), order);
    work_.resize(keep);
  } else {
    std::sort(work_.begin(), work_.end(), order);
  }
  // Softmax of logit / temperature in double.
  const double inv_t = 1.0 / s_.temperature, top = work_[0].first * inv_t;
  std::vector<double> p(keep);
  double sum = 0;
  for (size_t i = 0; i < keep; ++i) sum += p[i] = std::exp(work_[i].first * inv_t - top);
  // top_p: the smallest prefix whose probability reaches top_p.
  size_t n = keep;
  if (s_.top_p < 1.0f) {
    double acc = 0;
    for (size_t i = 0; i < keep; ++i) {
      acc += p[i] / sum;
      if (acc >= s_.top_p) {
        n = i + 1;
        break;
      }
    }
  }
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += p[i];
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53 * total;
  double acc = 0;
  for (size_t i = 0; i < n; ++i) {
    acc += p[i];
    if (u < acc) return work_[i].second;
  }
  return work_[n - 1].second;
}

}  // namespace nmc::vision
