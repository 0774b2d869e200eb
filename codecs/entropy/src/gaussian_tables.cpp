// Gaussian conditional tables (CompressAI GaussianConditional), integer only.
//
// CompressAI's update() computes, per scale t and in float32:
//   center = ceil(t * B);  x_u = (0.5 - u) / t;  Phi_u = 0.5 * erfc(c * x_u)
//   with c = float32(-(2^-0.5));  pmf_v = Phi_v - Phi_{v+1} (v = |j - center|);
//   escape = 2 * Phi_{center+1}
// (the lower bound of sample v is the upper bound of v + 1: the same float32
// operations on the same value, so each boundary is evaluated once). Here every
// float32 operation is emulated exactly (fixed_point_float32.h) and erfc comes
// from fixed_point.h, rounded to float32.
//
// Why erfc needs only absolute accuracy: a frequency is round(p * 65536) of
// p = fl(Phi_v - Phi_{v+1}); it is 0 whenever Phi_v < 2^-18, and a Phi_{v+1}
// below 2^-44 cannot change fl(Phi_v - Phi_{v+1}) for Phi_v >= 2^-18 (it is under
// a quarter unit in the last place). So only values >= 2^-44 must round
// correctly, and an absolute error < 2^-100 is a relative error < 2^-56 there.
#include <array>
#include <bit>
#include <cstdio>
#include <string>

#include "fixed_point.h"
#include "fixed_point_float32.h"
#include "nmc/codecs/entropy/table_builders.h"

namespace nmc::entropy {
namespace {

using fixed::Float32;
using fixed::i128;
using fixed::u128;

// CompressAI's default scale table as float32 bit patterns (see the header).
constexpr uint32_t kDefaultScaleBits[64] = {
    0x3de147ae, 0x3dfec793, 0x3e101230, 0x3e22efc7, 0x3e3845c8, 0x3e506704,
    0x3e6bb124, 0x3e85470a, 0x3e96bacd, 0x3eaa779a, 0x3ec0ca0e, 0x3eda08ca,
    0x3ef695cc, 0x3f0b6ff2, 0x3f1db234, 0x3f325889, 0x3f49b318, 0x3f641c86,
    0x3f80fdab, 0x3f91e1bd, 0x3fa4fc07, 0x3fba96ae, 0x3fd3058e, 0x3feea77c,
    0x4006f3dc, 0x40189fc7, 0x402c9c16, 0x4043365c, 0x405cc652, 0x4079af2f,
    0x408d3097, 0x409fad98, 0x40b4965a, 0x40cc3c0c, 0x40e6fa76, 0x41029cb1,
    0x4113b71b, 0x41270eda, 0x413cef04, 0x4155ac84, 0x4171a758, 0x4188a610,
    0x419a8ad8, 0x41aec774, 0x41c5aa71, 0x41df8ca6, 0x41fcd287, 0x420ef6dd,
    0x4221af59, 0x4236db64, 0x424ecd30, 0x4269e1a0, 0x428440f0, 0x42959263,
    0x42a9285d, 0x42bf4eec, 0x42d85c06, 0x42f4b0e5, 0x430a5dbd, 0x431c7c18,
    0x4330f9ce, 0x43482672, 0x43625bf2, 0x43800000,
};

constexpr std::array<float, 64> make_default_scales() {
  std::array<float, 64> scales{};
  for (size_t i = 0; i < scales.size(); ++i) scales[i] = std::bit_cast<float>(kDefaultScaleBits[i]);
  return scales;
}
constexpr std::array<float, 64> kDefaultScales = make_default_scales();

// float32(-(2^-0.5)): CompressAI's `const` in _standardized_cumulative, rounded
// to float32 as PyTorch does for a Python scalar times a float32 tensor.
constexpr uint32_t kMinusInvSqrt2Bits = 0xBF3504F3u;
// round(2^-0.5 * 2^120), for gaussian_tail_bound.
constexpr i128 kInvSqrt2Q120 = (i128(0xb504f333f9de64ULL) << 64) | i128(0x84597d89b3754abfULL);
// n = 2 * center + 2 symbols must not exceed kMaxSymbols.
constexpr int64_t kMaxCenter = (int64_t(kMaxSymbols) - 2) / 2;
constexpr uint64_t kMaxTotalEntries = uint64_t(1) << 26;
// Fixed-point precision of the pmf handed to quantize_pmf (p <= 1 fits in 63 bits).
constexpr int kPmfFracBits = 62;

// fl(erfc(a)) with erfc from fixed::erfc_q120, scaled by 2^extra_exp (exact).
Float32 erfc_float32(Float32 a, int extra_exp) {
  u128 e;
  if (!a.is_zero() && a.exp >= -17) {  // |a| >= 2^6: erfc(a) is 0 or 2 to within 2^-5900
    e = a.negative ? (u128(2) << fixed::kFracBits) : 0;
  } else {
    e = fixed::erfc_q120(fixed::to_q120(a));
  }
  return fixed::round_to_float32(false, e, -fixed::kFracBits + extra_exp, false);
}

// CompressAI's _standardized_cumulative((0.5 - u) / t) in float32.
Float32 boundary_cdf(int64_t u, Float32 t, Float32 c) {
  // 0.5 - u = (1 - 2u) / 2, exact in float32 for u <= kMaxCenter + 1.
  const Float32 s = u >= 1 ? fixed::round_to_float32(true, u128(2 * u - 1), -1, false)
                           : fixed::round_to_float32(false, 1, -1, false);
  const Float32 x = fixed::div(s, t);
  const Float32 a = fixed::mul(c, x);
  return erfc_float32(a, -1);  // 0.5 * erfc(a): halving is exact
}

std::string scale_name(size_t k, uint32_t bits) {
  char hex[16];
  std::snprintf(hex, sizeof(hex), "0x%08x", bits);
  return "scale_table[" + std::to_string(k) + "] (bits " + hex + ")";
}

}  // namespace

Result<CdfRows> build_gaussian_rows(std::span<const float> scale_table, const GaussianTableParams& params) {
  if (scale_table.empty() || scale_table.size() > size_t(kMaxTables)) {
    return InvalidArgument("build_gaussian_rows: the scale table needs 1 to " + std::to_string(kMaxTables) +
                           " entries, got " + std::to_string(scale_table.size()));
  }
  const uint32_t bound_bits = std::bit_cast<uint32_t>(params.tail_bound);
  if (!fixed::float32_bits_finite(bound_bits) || (bound_bits >> 31) != 0 || (bound_bits & 0x7FFFFFFFu) == 0) {
    return InvalidArgument("build_gaussian_rows: tail_bound must be finite and > 0");
  }
  const Float32 bound = fixed::float32_from_bits(bound_bits);
  const Float32 c = fixed::float32_from_bits(kMinusInvSqrt2Bits);

  // Validate every scale and size the output before computing anything.
  std::vector<int64_t> centers(scale_table.size());
  std::vector<Float32> scales(scale_table.size());
  uint64_t total_entries = 0;
  for (size_t k = 0; k < scale_table.size(); ++k) {
    const uint32_t bits = std::bit_cast<uint32_t>(scale_table[k]);
    if (!fixed::float32_bits_finite(bits) || (bits >> 31) != 0 || (bits & 0x7FFFFFFFu) == 0) {
      return InvalidArgument("build_gaussian_rows: " + scale_name(k, bits) + " must be finite and > 0");
    }
    scales[k] = fixed::float32_from_bits(bits);
    const Float32 product = fixed::mul(scales[k], bound);
    if (product.exp > 20) {  // >= 2^43: far beyond kMaxCenter, and keeps ceil_to_int exact
      return InvalidArgument("build_gaussian_rows: " + scale_name(k, bits) + " times the tail bound is too large");
    }
    centers[k] = fixed::ceil_to_int(product);
    if (centers[k] > kMaxCenter) {
      return InvalidArgument("build_gaussian_rows: " + scale_name(k, bits) + " needs " +
                             std::to_string(2 * centers[k] + 2) + " symbols, more than " +
                             std::to_string(kMaxSymbols));
    }
    total_entries += uint64_t(2 * centers[k] + 3);
  }
  if (total_entries > kMaxTotalEntries) {
    return LimitExceeded("build_gaussian_rows: the tables would hold " + std::to_string(total_entries) +
                         " CDF entries, more than " + std::to_string(kMaxTotalEntries));
  }

  CdfRows rows;
  rows.cdf_rows.reserve(total_entries);
  rows.cdf_lengths.reserve(scale_table.size());
  rows.offsets.reserve(scale_table.size());
  std::vector<Float32> boundaries;
  std::vector<uint64_t> pmf;
  for (size_t k = 0; k < scale_table.size(); ++k) {
    const int64_t center = centers[k];
    boundaries.resize(size_t(center) + 2);
    for (int64_t u = 0; u <= center + 1; ++u) boundaries[size_t(u)] = boundary_cdf(u, scales[k], c);

    const int64_t len = 2 * center + 1;  // regular values -center .. center
    pmf.resize(size_t(len) + 1);
    for (int64_t j = 0; j < len; ++j) {
      const int64_t v = j < center ? center - j : j - center;
      const Float32 p = fixed::sub(boundaries[size_t(v)], boundaries[size_t(v) + 1]);
      // p < 0 would need a non-monotone erfc approximation; CompressAI would reject it.
      pmf[size_t(j)] = p.negative ? 0 : fixed::to_fixed_floor(p, kPmfFracBits);
    }
    Float32 tail = boundaries[size_t(center) + 1];
    if (!tail.is_zero()) ++tail.exp;  // 2 * Phi((-0.5 - center) / t), exact
    pmf[size_t(len)] = fixed::to_fixed_floor(tail, kPmfFracBits);

    NMC_ASSIGN_OR_RETURN(std::vector<uint32_t> cdf, quantize_pmf(pmf, kPmfFracBits));
    rows.cdf_rows.insert(rows.cdf_rows.end(), cdf.begin(), cdf.end());
    rows.cdf_lengths.push_back(int32_t(cdf.size()));
    rows.offsets.push_back(int32_t(-center));
  }
  return rows;
}

Result<CdfTableSet> build_gaussian_tables(std::span<const float> scale_table, const GaussianTableParams& params) {
  NMC_ASSIGN_OR_RETURN(CdfRows rows, build_gaussian_rows(scale_table, params));
  return CdfTableSet::from_rows(rows.cdf_rows, rows.cdf_lengths, rows.offsets);
}

std::span<const float> default_gaussian_scale_table() { return kDefaultScales; }

int32_t gaussian_scale_index(std::span<const float> scale_table, float scale) {
  if (scale_table.empty()) return 0;
  // CompressAI: indexes = L - 1, then indexes -= (scale <= s) for s in table[:-1].
  int32_t index = int32_t(scale_table.size()) - 1;
  for (size_t k = 0; k + 1 < scale_table.size(); ++k) {
    if (scale <= scale_table[k]) --index;
  }
  return index;
}

Result<float> gaussian_tail_bound(uint64_t numerator, uint64_t denominator) {
  if (numerator == 0 || numerator >= denominator || (u128(numerator) << 60) < denominator) {
    return InvalidArgument("gaussian_tail_bound: the tail mass " + std::to_string(numerator) + "/" +
                           std::to_string(denominator) + " must lie in [2^-60, 1)");
  }
  const u128 target = fixed::div_shifted(numerator, fixed::kFracBits, denominator, nullptr);
  // Tail mass of the bound b (Q120, b >= 0): 2 * Phi(-b) = erfc(b / sqrt(2)).
  const auto mass = [](i128 b) { return fixed::erfc_q120(fixed::mul(b, kInvSqrt2Q120)); };
  const auto q120_of = [](uint32_t bits) { return fixed::to_q120(fixed::float32_from_bits(bits)); };
  // Positive float32 bit patterns order like their values; mass falls with b.
  // Invariant: mass(lo) >= target > mass(hi).
  uint32_t lo = 0;                             // 0.0f: mass 1
  uint32_t hi = std::bit_cast<uint32_t>(16.0f);  // mass < 2^-190
  while (hi - lo > 1) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (mass(q120_of(mid)) >= target) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  // The exact bound lies in [lo, hi); take the nearer of the two floats: lo when
  // the bound is below their midpoint, i.e. when the mass there is below target.
  const i128 midpoint = (q120_of(lo) + q120_of(hi)) / 2;
  const uint32_t bits = mass(midpoint) >= target ? hi : lo;
  return std::bit_cast<float>(bits);
}

}  // namespace nmc::entropy
