// CdfTableSet construction and validation (cdf_tables.h).
#include "nmc/codecs/entropy/cdf_tables.h"

#include <cmath>
#include <limits>
#include <string>

#include "nmc/codecs/entropy/rans.h"

namespace nmc::entropy {
namespace {

// Slot -> symbol lookup granularity. A set of few tables gets an exact lookup
// (one entry per slot, the decoder never scans); larger sets get 2^10 buckets
// per table so the lookup stays in L2, and the decoder scans a few symbols up.
int choose_lookup_shift(size_t tables) { return tables <= 2 ? 0 : 6; }

std::string table_name(size_t t) { return "CDF table " + std::to_string(t); }

}  // namespace

Result<CdfTableSet> CdfTableSet::from_rows(std::span<const int32_t> cdf_rows, std::span<const int32_t> cdf_lengths,
                                           std::span<const int32_t> offsets) {
  if (cdf_lengths.size() != offsets.size())
    return InvalidData("CDF tables: " + std::to_string(cdf_lengths.size()) + " lengths but " +
                       std::to_string(offsets.size()) + " offsets");
  if (cdf_lengths.empty()) return InvalidData("CDF tables: no tables");
  if (cdf_lengths.size() > static_cast<size_t>(kMaxTables))
    return LimitExceeded("CDF tables: " + std::to_string(cdf_lengths.size()) + " tables (limit " +
                         std::to_string(kMaxTables) + ")");
  CdfTableSet set;
  set.lookup_shift_ = choose_lookup_shift(cdf_lengths.size());
  const uint32_t buckets = kProbabilityOne >> set.lookup_shift_;
  uint64_t total_entries = 0;
  for (size_t t = 0; t < cdf_lengths.size(); ++t) {
    const int64_t len = cdf_lengths[t];
    if (len < 3 || len > static_cast<int64_t>(kMaxSymbols) + 1)
      return InvalidData(table_name(t) + ": CDF length " + std::to_string(len) + " outside [3, 65537]");
    total_entries += static_cast<uint64_t>(len);
  }
  if (total_entries != cdf_rows.size())
    return InvalidData("CDF tables: lengths add up to " + std::to_string(total_entries) + " entries but " +
                       std::to_string(cdf_rows.size()) + " were given");
  set.info_.resize(cdf_lengths.size());
  set.cdf_.resize(total_entries);
  set.lookup_.resize(cdf_lengths.size() * buckets);

  size_t pos = 0;
  for (size_t t = 0; t < cdf_lengths.size(); ++t) {
    const uint32_t len = static_cast<uint32_t>(cdf_lengths[t]);
    const int32_t* row = cdf_rows.data() + pos;
    if (row[0] != 0) return InvalidData(table_name(t) + ": CDF does not start at 0");
    if (row[len - 1] != static_cast<int32_t>(kProbabilityOne))
      return InvalidData(table_name(t) + ": CDF does not end at 65536");
    for (uint32_t i = 1; i < len; ++i) {
      if (row[i] <= row[i - 1])
        return InvalidData(table_name(t) + ": CDF not strictly increasing at entry " + std::to_string(i) +
                           " (every symbol needs a frequency >= 1)");
    }
    const int64_t last_value = static_cast<int64_t>(offsets[t]) + static_cast<int64_t>(len) - 3;
    if (last_value > std::numeric_limits<int32_t>::max())
      return InvalidData(table_name(t) + ": offset " + std::to_string(offsets[t]) + " overflows int32");
    TableInfo& info = set.info_[t];
    info.cdf_begin = static_cast<uint32_t>(pos);
    info.lookup_begin = static_cast<uint32_t>(t * buckets);
    info.offset = offsets[t];
    info.escape = len - 2;
    for (uint32_t i = 0; i < len; ++i) set.cdf_[pos + i] = static_cast<uint32_t>(row[i]);
    // lookup[b] = largest s with cdf[s] <= b << shift.
    uint16_t* lookup = set.lookup_.data() + info.lookup_begin;
    uint32_t s = 0;
    for (uint32_t b = 0; b < buckets; ++b) {
      const uint32_t slot = b << set.lookup_shift_;
      while (static_cast<uint32_t>(row[s + 1]) <= slot) ++s;
      lookup[b] = static_cast<uint16_t>(s);
    }
    pos += len;
  }
  return set;
}

Result<CdfTableSet> CdfTableSet::from_compressai(std::span<const int32_t> quantized_cdf, int64_t row_stride,
                                                 std::span<const int32_t> cdf_lengths,
                                                 std::span<const int32_t> offsets) {
  if (row_stride < 3) return InvalidData("CompressAI CDF buffer: row length " + std::to_string(row_stride) + " < 3");
  if (cdf_lengths.empty() || quantized_cdf.size() != cdf_lengths.size() * static_cast<uint64_t>(row_stride))
    return InvalidData("CompressAI CDF buffer: " + std::to_string(quantized_cdf.size()) + " entries for " +
                       std::to_string(cdf_lengths.size()) + " rows of " + std::to_string(row_stride));
  std::vector<int32_t> rows;
  for (size_t t = 0; t < cdf_lengths.size(); ++t) {
    if (cdf_lengths[t] < 3 || cdf_lengths[t] > row_stride)
      return InvalidData(table_name(t) + ": _cdf_length " + std::to_string(cdf_lengths[t]) +
                         " outside [3, " + std::to_string(row_stride) + "]");
    const int32_t* row = quantized_cdf.data() + t * row_stride;
    rows.insert(rows.end(), row, row + cdf_lengths[t]);
  }
  return from_rows(rows, cdf_lengths, offsets);
}

double CdfTableSet::cost_bits(int t, int32_t value) const {
  const TableInfo& info = info_[t];
  const uint32_t* cdf = cdf_.data() + info.cdf_begin;
  const int64_t v = static_cast<int64_t>(value) - info.offset;
  auto symbol_bits = [&](uint32_t s) {
    return kPrecisionBits - std::log2(static_cast<double>(cdf[s + 1] - cdf[s]));
  };
  if (v >= 0 && v < static_cast<int64_t>(info.escape)) return symbol_bits(static_cast<uint32_t>(v));
  return symbol_bits(info.escape) + 4.0 * escape_nibbles(v, info.escape);
}

}  // namespace nmc::entropy
