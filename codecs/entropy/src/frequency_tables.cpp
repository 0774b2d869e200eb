// Frequencies to CDFs: CompressAI's pmf_to_quantized_cdf (quantize_pmf) and
// count-based static tables (counts_to_cdf). Integer arithmetic only.
#include <array>
#include <set>
#include <string>
#include <utility>

#include "fixed_point.h"
#include "nmc/codecs/entropy/table_builders.h"

namespace nmc::entropy {
namespace {

using fixed::u128;

constexpr int kMinPmfFracBits = kPrecisionBits;
constexpr int kMaxPmfFracBits = 62;

std::vector<uint32_t> cdf_from_frequencies(const std::vector<uint64_t>& freq) {
  std::vector<uint32_t> cdf(freq.size() + 1);
  cdf[0] = 0;
  for (size_t k = 0; k < freq.size(); ++k) cdf[k + 1] = cdf[k] + uint32_t(freq[k]);
  return cdf;
}

// 192-bit product x * y (x < 2^128, y < 2^64) as {top, middle, low} 64-bit words.
std::array<uint64_t, 3> mul_wide(u128 x, uint64_t y) {
  const u128 p0 = u128(uint64_t(x)) * y;
  const u128 p1 = u128(uint64_t(x >> 64)) * y;
  const u128 mid = (p0 >> 64) + uint64_t(p1);
  return {uint64_t((p1 >> 64) + (mid >> 64)), uint64_t(mid), uint64_t(p0)};
}

// ln(1 + 1/g) for an integer g >= 1 as the rational N(g) / D(g) (the [3/3] Pade
// approximant of ln(1 + x) at x = 1/g; relative error 4e-5 at g = 1, below 1e-9
// from g = 8 on). N < 2^38 and D < 2^55 for g <= 65536.
struct LogStep {
  uint64_t num;
  uint64_t den;
};
LogStep log_step(uint64_t g) {
  return {60 * g * g + 60 * g + 11, ((60 * g + 90) * g + 36) * g + 3};
}

// Sign of c_a ln(1 + 1/g_a) - c_b ln(1 + 1/g_b) under log_step, compared exactly
// as c_a N_a D_b vs c_b N_b D_a (each side < 2^157).
int compare_weights(uint64_t c_a, uint64_t g_a, uint64_t c_b, uint64_t g_b) {
  const LogStep sa = log_step(g_a), sb = log_step(g_b);
  const auto lhs = mul_wide(u128(c_a) * sa.num, sb.den);
  const auto rhs = mul_wide(u128(c_b) * sb.num, sa.den);
  return lhs < rhs ? -1 : (lhs > rhs ? 1 : 0);
}

// Single-unit moves of counts_to_cdf. Adding a unit to f shortens the code by
// c * ln(1 + 1/f) nats ("gain"), removing one lengthens it by c * ln(1 + 1/(f-1))
// ("loss").
// The sets' orders point back at the object, so it is neither copied nor moved.
struct Moves {
  Moves(const std::vector<uint64_t>& c, std::vector<uint64_t>& f) : counts(c), freq(f) {}
  Moves(const Moves&) = delete;
  Moves& operator=(const Moves&) = delete;

  const std::vector<uint64_t>& counts;
  std::vector<uint64_t>& freq;

  uint64_t gain_step(size_t k) const { return freq[k]; }
  uint64_t loss_step(size_t k) const { return freq[k] - 1; }
  // Largest gain first, then lower index.
  struct GainOrder {
    const Moves* m;
    bool operator()(size_t a, size_t b) const {
      const int c = compare_weights(m->counts[a], m->gain_step(a), m->counts[b], m->gain_step(b));
      return c != 0 ? c > 0 : a < b;
    }
  };
  // Smallest loss first, then lower index.
  struct LossOrder {
    const Moves* m;
    bool operator()(size_t a, size_t b) const {
      const int c = compare_weights(m->counts[a], m->loss_step(a), m->counts[b], m->loss_step(b));
      return c != 0 ? c < 0 : a < b;
    }
  };
  std::set<size_t, GainOrder> gains{GainOrder{this}};  // symbols with count > 0
  std::set<size_t, LossOrder> losses{LossOrder{this}};  // symbols with f > 1

  // Keys depend on freq: take k out of both sets before changing it.
  void remove(size_t k) {
    if (counts[k] > 0) gains.erase(k);
    if (freq[k] > 1) losses.erase(k);
  }
  void insert(size_t k) {
    if (counts[k] > 0) gains.insert(k);
    if (freq[k] > 1) losses.insert(k);
  }
  void change(size_t k, int delta) {
    remove(k);
    freq[k] = delta > 0 ? freq[k] + 1 : freq[k] - 1;
    insert(k);
  }
};

}  // namespace

Result<std::vector<uint32_t>> quantize_pmf(std::span<const uint64_t> pmf, int frac_bits) {
  if (pmf.size() < 2 || pmf.size() > kMaxSymbols) {
    return InvalidArgument("quantize_pmf: the pmf needs 2 to " + std::to_string(kMaxSymbols) + " entries, got " +
                           std::to_string(pmf.size()));
  }
  if (frac_bits < kMinPmfFracBits || frac_bits > kMaxPmfFracBits) {
    return InvalidArgument("quantize_pmf: frac_bits must be in [16, 62], got " + std::to_string(frac_bits));
  }
  const uint64_t one = uint64_t(1) << frac_bits;
  std::vector<uint64_t> freq(pmf.size());
  uint64_t total = 0;
  for (size_t k = 0; k < pmf.size(); ++k) {
    if (pmf[k] > one) {
      return InvalidArgument("quantize_pmf: pmf[" + std::to_string(k) + "] = " + std::to_string(pmf[k]) +
                             " exceeds 1.0 = 2^" + std::to_string(frac_bits));
    }
    // round-half-away(p * 2^16) = floor((floor(p * 2^17) + 1) / 2) for p >= 0.
    freq[k] = frac_bits == kPrecisionBits ? pmf[k] : ((pmf[k] >> (frac_bits - kPrecisionBits - 1)) + 1) >> 1;
    total += freq[k];  // <= 2^16 * 2^16
  }
  if (total == 0) {
    return InvalidArgument("quantize_pmf: every probability rounds to 0 at 16-bit precision");
  }
  uint64_t sum = 0;
  for (uint64_t& f : freq) {
    f = (uint64_t(kProbabilityOne) * f) / total;
    sum += f;
  }
  freq.back() += kProbabilityOne - sum;  // sum <= 65536: floors of a split of 65536

  // Zero-frequency repair. CompressAI scans i upward and, for f_i = 0, moves one
  // unit from the first symbol j with the smallest f_j > 1 (adjusting the CDF
  // between i and j); only f_i and f_j change. Candidates are kept ordered by
  // (f_j, j) so that the scan is O(n log n) instead of O(n^2).
  std::set<std::pair<uint64_t, size_t>> donors;
  for (size_t j = 0; j < freq.size(); ++j) {
    if (freq[j] > 1) donors.emplace(freq[j], j);
  }
  for (size_t i = 0; i < freq.size(); ++i) {
    if (freq[i] != 0) continue;
    // n <= 65536 symbols summing to 65536 with one at 0: some symbol has f > 1.
    if (donors.empty()) return Internal("quantize_pmf: no symbol to take a unit from");
    const size_t j = donors.begin()->second;
    donors.erase(donors.begin());
    if (--freq[j] > 1) donors.emplace(freq[j], j);
    freq[i] = 1;
  }
  return cdf_from_frequencies(freq);
}

Result<std::vector<uint32_t>> counts_to_cdf(std::span<const uint64_t> counts) {
  if (counts.empty() || counts.size() > kMaxSymbols - 1) {
    return InvalidArgument("counts_to_cdf: need 1 to " + std::to_string(kMaxSymbols - 1) +
                           " values (the escape symbol takes one more), got " + std::to_string(counts.size()));
  }
  const size_t n = counts.size() + 1;  // values, then the escape (count 0)
  std::vector<uint64_t> weight(n, 0);
  u128 total = 0;
  for (size_t k = 0; k < counts.size(); ++k) {
    weight[k] = counts[k];
    total += counts[k];
  }
  if (total == 0) {  // no statistics: uniform over the values
    for (size_t k = 0; k < counts.size(); ++k) weight[k] = 1;
    total = counts.size();
  }

  std::vector<uint64_t> freq(n);
  uint64_t sum = 0;
  for (size_t k = 0; k < n; ++k) {
    const uint64_t share = uint64_t((u128(kProbabilityOne) * weight[k]) / total);
    freq[k] = share > 0 ? share : 1;
    sum += freq[k];
  }
  // The floors lose < 1 per symbol and the raise to 1 adds < 1 per symbol, so at
  // most n single-unit moves reach the total; exchanges then fix units that the
  // floors put where they cost more than they save elsewhere.
  Moves moves(weight, freq);
  for (size_t k = 0; k < n; ++k) moves.insert(k);
  for (; sum < kProbabilityOne; ++sum) {
    // Non-empty: some weight is > 0 (total > 0).
    moves.change(*moves.gains.begin(), +1);
  }
  for (; sum > kProbabilityOne; --sum) {
    // Non-empty: sum > 65536 >= n means some f > 1.
    moves.change(*moves.losses.begin(), -1);
  }
  // Each exchange strictly shortens the (approximated) code, so this ends; when
  // the best gain and the least loss fall on one symbol, no exchange helps.
  for (size_t round = 0; round < 4 * n; ++round) {
    const size_t a = *moves.gains.begin();
    if (moves.losses.empty()) break;
    const size_t b = *moves.losses.begin();
    if (a == b || compare_weights(weight[a], moves.gain_step(a), weight[b], moves.loss_step(b)) <= 0) break;
    moves.change(a, +1);
    moves.change(b, -1);
  }
  return cdf_from_frequencies(freq);
}

Result<CdfTableSet> build_frequency_table(std::span<const uint64_t> counts, int32_t min_value) {
  NMC_ASSIGN_OR_RETURN(std::vector<uint32_t> cdf, counts_to_cdf(counts));
  if (int64_t(min_value) + int64_t(counts.size()) - 1 > int64_t(INT32_MAX)) {
    return InvalidArgument("build_frequency_table: min_value " + std::to_string(min_value) + " + " +
                           std::to_string(counts.size()) + " values overflows int32");
  }
  const std::vector<int32_t> rows(cdf.begin(), cdf.end());
  const int32_t length = int32_t(cdf.size());
  return CdfTableSet::from_rows(rows, std::span<const int32_t>(&length, 1), std::span<const int32_t>(&min_value, 1));
}

Result<CdfTableSet> build_uniform_table(uint32_t num_values, int32_t min_value) {
  if (num_values == 0 || num_values > kMaxSymbols - 1) {
    return InvalidArgument("build_uniform_table: num_values must be in [1, " + std::to_string(kMaxSymbols - 1) +
                           "], got " + std::to_string(num_values));
  }
  const std::vector<uint64_t> counts(num_values, 1);
  return build_frequency_table(counts, min_value);
}

}  // namespace nmc::entropy
