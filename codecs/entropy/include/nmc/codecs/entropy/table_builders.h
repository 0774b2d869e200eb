// Builders of quantized CDF tables (cdf_tables.h) from model parameters and
// symbol statistics. Every builder uses integer arithmetic only (64/128-bit
// fixed point, no float or libm operation in the computation), so a table built
// on one platform is bit-identical to the same table built on any other, which
// an encoder and a decoder on different machines rely on.
//
// Table layout (as in cdf_tables.h): table t has n_t symbols, the last one being
// the escape; its CDF has n_t + 1 entries from 0 to 65536.
//
// Thread rules: all functions are pure and may be called concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nmc/codecs/entropy/cdf_tables.h"
#include "nmc/kernels/status.h"

namespace nmc::entropy {

// Tables in the row form CdfTableSet::from_rows takes: cdf_lengths[t] = n_t + 1
// entries of table t one after another in cdf_rows (CompressAI's `_cdf_length`,
// `_offset` and the unpadded rows of `_quantized_cdf`).
struct CdfRows {
  std::vector<int32_t> cdf_rows;
  std::vector<int32_t> cdf_lengths;
  std::vector<int32_t> offsets;
};

// ---- CompressAI's pmf_to_quantized_cdf on fixed-point input -------------------

// The CDF (pmf.size() + 1 entries, 0 .. 65536) that CompressAI's C++
// `pmf_to_quantized_cdf(pmf, 16)` computes, for pmf[k] = p_k * 2^frac_bits:
//   1. f_k = round-half-away-from-zero(p_k * 65536);  total = sum f_k (> 0);
//   2. f_k = floor(65536 * f_k / total); the remainder 65536 - sum f_k goes to the
//      last symbol (the escape);
//   3. scanning i upward, a symbol with f_i = 0 takes one unit from the symbol j
//      with the smallest f_j > 1 (lowest j among equals).
// Inputs: 2 <= pmf.size() <= kMaxSymbols, 16 <= frac_bits <= 62, pmf[k] <=
// 2^frac_bits (probabilities at most 1); InvalidArgument otherwise or when every
// f_k of step 1 is 0. The result is exact for the given integers (step 1 only
// needs the bits of p_k down to 2^-17).
Result<std::vector<uint32_t>> quantize_pmf(std::span<const uint64_t> pmf, int frac_bits);

// ---- Gaussian conditional tables (CompressAI GaussianConditional) -------------

struct GaussianTableParams {
  // B = -Phi^-1(tail_mass / 2): table t covers the values -center..center with
  // center = ceil(scale_t * B), and the escape carries the mass beyond. Given as
  // the float32 value CompressAI multiplies with (it rounds its double bound to
  // float32 in `scale_table * multiplier`); decoded exactly from its bits. The
  // default is float32(6.1094102048693975), CompressAI's bound for tail mass 1e-9.
  // Must be finite and > 0. gaussian_tail_bound() computes it for other masses.
  float tail_bound = 6.1094102048693975f;
};

// Tables of CompressAI's GaussianConditional.update() for `scale_table`: for
// scale t, center = ceil(t * B), n = 2 * center + 2 symbols, offset = -center,
// pmf of value v = Phi((v + 0.5) / t) - Phi((v - 0.5) / t), escape mass
// 2 * Phi((-0.5 - center) / t), quantized by quantize_pmf.
//
// Compatibility: CompressAI evaluates this in float32; every float32 step it
// takes (the division, the products, the subtraction) is reproduced exactly by
// integer emulation of IEEE rounding, and its libm erfcf is replaced by an
// integer erfc accurate to 2^-100 and rounded correctly to float32. The tables
// therefore equal CompressAI's wherever its erfcf returns the correctly rounded
// value; for the default scale table all 64 tables are identical.
//
// Inputs: 1 <= scale_table.size() <= kMaxTables; every scale finite and > 0 with
// center <= 32767 (scale <= ~5363 for the default bound); InvalidArgument
// otherwise; LimitExceeded if the tables would hold more than 2^26 CDF entries.
Result<CdfRows> build_gaussian_rows(std::span<const float> scale_table, const GaussianTableParams& params = {});
// Same tables, validated into a CdfTableSet.
Result<CdfTableSet> build_gaussian_tables(std::span<const float> scale_table,
                                          const GaussianTableParams& params = {});

// CompressAI's default scale table: float32(exp(linspace(log 0.11, log 256, 64)))
// exactly as CompressAI computes it in float32 (47 of the 64 values differ by
// 1 to 5 ulp from the correctly rounded exponentials); stored as bit patterns.
std::span<const float> default_gaussian_scale_table();

// CompressAI's build_indexes for one scale: (L - 1) - #{k in [0, L-2] : scale <=
// table[k]}, i.e. for a sorted table the first k whose table[k] >= scale, capped
// at L - 1; scales below table[0] get 0 and a NaN scale gets L - 1 (as in
// CompressAI). Returns 0 for an empty table. Float comparisons only.
int32_t gaussian_scale_index(std::span<const float> scale_table, float scale);

// The float32 bound B (nearest to the exact -Phi^-1(tail_mass / 2)) for
// tail_mass = numerator / denominator, found by bisection over float32 values
// with the integer Phi. Inputs: 0 < numerator < denominator; the tail mass must
// lie in [2^-60, 1) (InvalidArgument otherwise). For 1 / 10^9 this gives
// float32(6.1094102048693975), the default.
Result<float> gaussian_tail_bound(uint64_t numerator, uint64_t denominator);

// ---- Static frequency tables (discrete codes) ----------------------------------

// The CDF (counts.size() + 2 entries) of a table for the values
// min_value .. min_value + K - 1 (K = counts.size()) plus the escape symbol, from
// observed counts: every symbol gets a frequency >= 1 (the escape, which has
// count 0, gets exactly 1) and the rest of 65536 is shared to minimise the code
// length sum_k counts[k] * -log2(f_k / 65536): start from
// max(1, floor(65536 * c_k / C)), then move single units where the code length
// falls most - add to the largest c_k * ln(1 + 1/f_k) or remove from the
// smallest c_k * ln(1 + 1/(f_k - 1)) - with ln(1 + 1/g) replaced by an exact
// rational approximation (relative error <= 4e-5) and ties to the lowest index.
// The result is near-optimal (for a Zipf-like 1024-symbol table the tests find
// no single-unit move that shortens the code). All-zero counts give the uniform
// table.
// Inputs: 1 <= K <= kMaxSymbols - 1; InvalidArgument otherwise.
Result<std::vector<uint32_t>> counts_to_cdf(std::span<const uint64_t> counts);

// One-table set from counts_to_cdf(counts) with offset min_value. Also
// InvalidArgument when min_value + K - 1 overflows int32.
Result<CdfTableSet> build_frequency_table(std::span<const uint64_t> counts, int32_t min_value);

// The table of build_frequency_table with equal counts: num_values values from
// min_value, each with frequency floor(65535 / num_values) or one unit more; the
// escape gets 1. Inputs: 1 <= num_values <= kMaxSymbols - 1.
Result<CdfTableSet> build_uniform_table(uint32_t num_values, int32_t min_value);

}  // namespace nmc::entropy
