// Quantized CDF tables for the rANS coder (codecs/entropy).
//
// Every table codes integers against a 16-bit cumulative distribution. Table t
// has n_t >= 2 symbols: symbols 0 .. n_t-2 code the values offset_t + s, and the
// last symbol n_t-1 is the escape: a value outside [offset_t, offset_t + n_t - 2]
// is coded as the escape followed by the value in bypass mode (rans.h). This is
// the layout CompressAI's `_quantized_cdf / _offset / _cdf_length` buffers use,
// where `_cdf_length[t] = n_t + 1` (the number of CDF entries).
//
// Invariants checked by every constructor (InvalidData otherwise):
//   cdf_t[0] = 0 < cdf_t[1] < ... < cdf_t[n_t] = 65536 (every symbol has a
//   frequency >= 1), 2 <= n_t <= 65536, at most kMaxTables tables, offsets such
//   that offset_t + n_t - 2 fits in int32.
// A CdfTableSet is immutable after construction and safe to share between threads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nmc/kernels/status.h"

namespace nmc::entropy {

inline constexpr int kPrecisionBits = 16;
inline constexpr uint32_t kProbabilityOne = 1u << kPrecisionBits;  // total of every table
inline constexpr int kMaxTables = 1 << 16;
inline constexpr uint32_t kMaxSymbols = kProbabilityOne;  // per table, escape included

class CdfTableSet {
 public:
  CdfTableSet() = default;

  // Rows given one after another: `cdf_rows` holds, for each table t, its
  // cdf_length[t] = n_t + 1 entries; `offsets[t]` is the value of symbol 0.
  static Result<CdfTableSet> from_rows(std::span<const int32_t> cdf_rows, std::span<const int32_t> cdf_lengths,
                                       std::span<const int32_t> offsets);

  // CompressAI's buffers: `quantized_cdf` is [tables][row_stride] row-major,
  // each row zero-padded after its cdf_lengths[t] entries.
  static Result<CdfTableSet> from_compressai(std::span<const int32_t> quantized_cdf, int64_t row_stride,
                                             std::span<const int32_t> cdf_lengths,
                                             std::span<const int32_t> offsets);

  int size() const { return static_cast<int>(info_.size()); }
  // Number of symbols of table t, escape included (n_t).
  uint32_t num_symbols(int t) const { return info_[t].escape + 1; }
  int32_t offset(int t) const { return info_[t].offset; }
  // The n_t + 1 CDF entries of table t.
  std::span<const uint32_t> cdf(int t) const {
    return {cdf_.data() + info_[t].cdf_begin, info_[t].escape + 2};
  }

  // Ideal code length in bits of `value` under table t: -log2(freq / 65536) of
  // its symbol, plus, for an escaped value, the escape bypass bits (rans.h).
  double cost_bits(int t, int32_t value) const;

  // Layout used by the coder (rans.cpp); not part of the contract above.
  struct TableInfo {
    uint32_t cdf_begin;     // first CDF entry in cdf_
    uint32_t lookup_begin;  // first entry of the slot -> symbol lookup in lookup_
    int32_t offset;
    uint32_t escape;        // n_t - 1
  };
  const TableInfo* info() const { return info_.data(); }
  const uint32_t* cdf_data() const { return cdf_.data(); }
  const uint16_t* lookup_data() const { return lookup_.data(); }
  // The lookup for slot c (0 <= c < 65536) of table t is lookup_[lookup_begin + (c >> lookup_shift)]:
  // the largest symbol s with cdf[s] <= (c >> shift) << shift; the decoder scans upward from there.
  int lookup_shift() const { return lookup_shift_; }

 private:
  std::vector<TableInfo> info_;
  std::vector<uint32_t> cdf_;
  std::vector<uint16_t> lookup_;
  int lookup_shift_ = 0;
};

}  // namespace nmc::entropy
