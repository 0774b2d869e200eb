// Fuzz target: RansDecoder on arbitrary bytes.
// Input layout: byte 0 selects the lane count (bits 0-1: 1, 4, 8) and the mode
// (bit 2: one static table / per-symbol table indexes); bytes 1-2 are the
// number of symbols (little-endian, at most 65535); in indexed mode the next
// `count` bytes pick each symbol's table (mod the table count); the rest is the
// rANS stream.
// Invariants checked (abort on violation so the fuzzer reports them):
//   - a rejected stream has a non-ok code and a non-empty message;
//   - a stream that decodes and finishes cleanly is canonical: encoding the
//     decoded values again gives exactly the same bytes.
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <span>
#include <vector>

#include "nmc/codecs/entropy/cdf_tables.h"
#include "nmc/codecs/entropy/rans.h"
#include "rans_fuzz_tables.h"

namespace {

using nmc::entropy::CdfTableSet;

const CdfTableSet& tables() {
  static const CdfTableSet set = make_rans_fuzz_tables();
  return set;
}

void check_rejection(const nmc::Status& st) {
  if (st.ok() || st.message().empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  static const int kLanes[4] = {1, 4, 8, 3};  // 3 is unsupported on purpose
  const int lanes = kLanes[data[0] & 3];
  const bool indexed = (data[0] & 4) != 0;
  const size_t count = data[1] | static_cast<size_t>(data[2]) << 8;
  size_t pos = 3;
  const CdfTableSet& set = tables();
  std::vector<int32_t> indexes;
  if (indexed) {
    if (size - pos < count) return 0;
    for (size_t i = 0; i < count; ++i) indexes.push_back(data[pos + i] % set.size());
    pos += count;
  }
  const int table = data[0] >> 3 & 7;  // 5..7 are out of range on purpose
  std::span<const uint8_t> stream(data + pos, size - pos);

  auto decoder = nmc::entropy::RansDecoder::open(stream, lanes);
  if (!decoder.ok()) {
    check_rejection(decoder.status());
    return 0;
  }
  std::vector<int32_t> values(count);
  // Decode in two calls so lane bookkeeping across calls is exercised.
  const size_t first = count / 3;
  std::span<int32_t> a(values.data(), first), b(values.data() + first, count - first);
  nmc::Status st;
  if (indexed) {
    st = decoder->decode(a, std::span<const int32_t>(indexes.data(), first), set);
    if (st.ok()) st = decoder->decode(b, std::span<const int32_t>(indexes.data() + first, count - first), set);
  } else {
    st = decoder->decode(a, table, set);
    if (st.ok()) st = decoder->decode(b, table, set);
  }
  if (st.ok()) st = decoder->finish();
  if (!st.ok()) {
    check_rejection(st);
    return 0;
  }
  nmc::entropy::RansEncoder encoder(lanes);
  st = indexed ? encoder.encode(values, indexes, set) : encoder.encode(values, table, set);
  if (!st.ok()) std::abort();
  const std::vector<uint8_t> again = encoder.finish();
  if (again.size() != stream.size() || !std::equal(again.begin(), again.end(), stream.begin())) std::abort();
  return 0;
}
