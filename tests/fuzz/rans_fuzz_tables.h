// The table set fuzz_rans decodes against and make_rans_seeds encodes with:
// tiny, huge, skewed and uniform frequencies, so escapes are likely.
#pragma once

#include <cstdlib>
#include <utility>
#include <vector>

#include "nmc/codecs/entropy/cdf_tables.h"

inline nmc::entropy::CdfTableSet make_rans_fuzz_tables() {
  std::vector<int32_t> rows, lengths, offsets;
  auto add = [&](std::vector<int32_t> freqs, int32_t offset) {
    int32_t c = 0;
    rows.push_back(0);
    for (int32_t f : freqs) rows.push_back(c += f);
    lengths.push_back(static_cast<int32_t>(freqs.size() + 1));
    offsets.push_back(offset);
  };
  add({65535, 1}, 0);                  // one value, near-certain
  add({1, 65534, 1}, -1);              // two values, one near-impossible
  add({16384, 16384, 16384, 16383, 1}, -2);
  add(std::vector<int32_t>(1024, 64), -512);  // 1023 values + escape
  add({30000, 20000, 10000, 5000, 500, 35, 1}, -3);
  auto set = nmc::entropy::CdfTableSet::from_rows(rows, lengths, offsets);
  if (!set.ok()) std::abort();
  return std::move(set).value();
}
