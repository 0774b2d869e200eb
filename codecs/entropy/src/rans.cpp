// rANS encoder and decoder (rans.h). The arithmetic is ryg_rans' rans64:
// 64-bit state in [L, L << 32) with L = 2^31, 32-bit renormalisation words.
#include "nmc/codecs/entropy/rans.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace nmc::entropy {
namespace {

constexpr uint64_t kRansL = 1ull << 31;
constexpr int kBypassBits = 4;
constexpr uint32_t kBypassMax = (1u << kBypassBits) - 1;  // 15: "another count group follows"
// An escaped value needs at most 9 nibbles (|v| < 2^33 for int32 values and
// offsets); a stream asking for more is corrupt.
constexpr int kMaxEscapeNibbles = 9;

inline void store_le32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

inline uint32_t load_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

// raw value of an escaped v (see rans.h) and its nibble count.
inline uint64_t escape_raw(int64_t v, uint32_t escape) {
  return v < 0 ? static_cast<uint64_t>(-2 * v - 1) : static_cast<uint64_t>(2 * (v - static_cast<int64_t>(escape)));
}

inline int raw_nibbles(uint64_t raw) {
  int n = 0;
  while (n < 16 && (raw >> (n * kBypassBits)) != 0) ++n;
  return n;
}

// The decoder's word input: a read past the end yields 0 and sets `overrun`
// (checked by the caller), so hostile streams never read out of bounds.
struct WordReader {
  const uint8_t* ptr;
  const uint8_t* end;
  bool overrun;
};

// Renormalises a decoder state that fell below L by one 32-bit word.
inline void refill(uint64_t& x, WordReader& in) {
  if (x >= kRansL) return;
  uint32_t w = 0;
  if (in.end - in.ptr >= 4) [[likely]] {
    w = load_le32(in.ptr);
    in.ptr += 4;
  } else {
    in.overrun = true;
  }
  x = (x << 32) | w;
}

// Decodes the bypass part of an escaped value (rans.h) on state x.
Status decode_escape(uint64_t& x, WordReader& in, uint32_t escape, int32_t offset, int32_t& value) {
  auto nibble = [&]() -> uint32_t {
    const uint32_t b = static_cast<uint32_t>(x & kBypassMax);
    x >>= kBypassBits;
    refill(x, in);
    return b;
  };
  uint32_t group = nibble();
  int n = static_cast<int>(group);
  while (group == kBypassMax && n <= kMaxEscapeNibbles) {
    group = nibble();
    n += static_cast<int>(group);
  }
  if (n > kMaxEscapeNibbles)
    return InvalidData("rANS stream: escaped value with " + std::to_string(n) + " nibbles (corrupt stream)");
  uint64_t raw = 0;
  uint32_t top = 0;
  for (int j = 0; j < n; ++j) {
    top = nibble();
    raw |= static_cast<uint64_t>(top) << (j * kBypassBits);
  }
  // The encoder writes no leading zero nibbles; accepting them would give two
  // streams for one value.
  if (n > 0 && top == 0) return InvalidData("rANS stream: non-canonical escaped value (corrupt stream)");
  const int64_t half = static_cast<int64_t>(raw >> 1);
  const int64_t v = (raw & 1) ? -half - 1 : half + static_cast<int64_t>(escape);
  const int64_t result = v + offset;
  if (result < INT32_MIN || result > INT32_MAX)
    return InvalidData("rANS stream: escaped value outside int32 (corrupt stream)");
  value = static_cast<int32_t>(result);
  return Status::Ok();
}

Status lane_error(int lanes) {
  return InvalidArgument("rANS: " + std::to_string(lanes) + " lanes (supported: 1, 4, 8)");
}

}  // namespace

int escape_nibbles(int64_t v, uint32_t escape) {
  const int n = raw_nibbles(escape_raw(v, escape));
  return n / static_cast<int>(kBypassMax) + 1 + n;
}

// ---------------------------------------------------------------- encoder

RansEncoder::RansEncoder(int lanes) : lanes_(lanes) {}

void RansEncoder::push_value(int32_t value, const CdfTableSet::TableInfo& info, const uint32_t* cdf) {
  const uint8_t lane = static_cast<uint8_t>(symbols_ % static_cast<size_t>(lanes_));
  ++symbols_;
  const int64_t v = static_cast<int64_t>(value) - info.offset;
  if (v >= 0 && v < static_cast<int64_t>(info.escape)) {
    const uint32_t s = static_cast<uint32_t>(v);
    ops_.push_back(cdf[s] << 16 | (cdf[s + 1] - cdf[s]));
    op_lane_.push_back(lane);
    return;
  }
  const uint32_t e = info.escape;
  ops_.push_back(cdf[e] << 16 | (cdf[e + 1] - cdf[e]));
  op_lane_.push_back(lane);
  const uint64_t raw = escape_raw(v, info.escape);
  const int n = raw_nibbles(raw);
  int count = n;
  while (count >= static_cast<int>(kBypassMax)) {
    ops_.push_back(kBypassMax << 16);
    op_lane_.push_back(lane);
    count -= static_cast<int>(kBypassMax);
  }
  ops_.push_back(static_cast<uint32_t>(count) << 16);
  op_lane_.push_back(lane);
  for (int j = 0; j < n; ++j) {
    ops_.push_back(static_cast<uint32_t>((raw >> (j * kBypassBits)) & kBypassMax) << 16);
    op_lane_.push_back(lane);
  }
}

Status RansEncoder::encode(std::span<const int32_t> values, std::span<const int32_t> indexes,
                           const CdfTableSet& tables) {
  if (!is_supported_lane_count(lanes_)) return lane_error(lanes_);
  if (values.size() != indexes.size())
    return InvalidArgument("rANS encode: " + std::to_string(values.size()) + " values but " +
                           std::to_string(indexes.size()) + " table indexes");
  const uint32_t count = static_cast<uint32_t>(tables.size());
  for (size_t i = 0; i < indexes.size(); ++i) {
    if (static_cast<uint32_t>(indexes[i]) >= count)
      return InvalidArgument("rANS encode: table index " + std::to_string(indexes[i]) + " at position " +
                             std::to_string(i) + " outside [0, " + std::to_string(count) + ")");
  }
  ops_.reserve(ops_.size() + values.size());
  op_lane_.reserve(op_lane_.size() + values.size());
  const auto* info = tables.info();
  for (size_t i = 0; i < values.size(); ++i) {
    const auto& ti = info[indexes[i]];
    push_value(values[i], ti, tables.cdf_data() + ti.cdf_begin);
  }
  return Status::Ok();
}

Status RansEncoder::encode(std::span<const int32_t> values, int table, const CdfTableSet& tables) {
  if (!is_supported_lane_count(lanes_)) return lane_error(lanes_);
  if (table < 0 || table >= tables.size())
    return InvalidArgument("rANS encode: table " + std::to_string(table) + " outside [0, " +
                           std::to_string(tables.size()) + ")");
  ops_.reserve(ops_.size() + values.size());
  op_lane_.reserve(op_lane_.size() + values.size());
  const auto& ti = tables.info()[table];
  const uint32_t* cdf = tables.cdf_data() + ti.cdf_begin;
  for (int32_t value : values) push_value(value, ti, cdf);
  return Status::Ok();
}

std::vector<uint8_t> RansEncoder::finish() {
  if (!is_supported_lane_count(lanes_)) return {};  // encode() refused everything
  const int lanes = lanes_;
  // Every operation emits at most one word; the states take two words per lane.
  std::vector<uint32_t> words(ops_.size() + 2 * static_cast<size_t>(lanes));
  uint32_t* out = words.data() + words.size();
  uint64_t x[8];
  std::fill(x, x + 8, kRansL);
  for (size_t j = ops_.size(); j-- > 0;) {
    uint64_t& s = x[op_lane_[j]];
    const uint32_t op = ops_[j];
    const uint32_t freq = op & 0xFFFF;
    const uint32_t start = op >> 16;
    if (freq != 0) {
      // x_max = ((L >> scale_bits) << 32) * freq
      if (s >= ((kRansL >> kPrecisionBits) << 32) * freq) {
        *--out = static_cast<uint32_t>(s);
        s >>= 32;
      }
      s = ((s / freq) << kPrecisionBits) + (s % freq) + start;
    } else {
      if (s >= ((kRansL >> kBypassBits) << 32)) {
        *--out = static_cast<uint32_t>(s);
        s >>= 32;
      }
      s = (s << kBypassBits) | start;
    }
  }
  for (int lane = lanes - 1; lane >= 0; --lane) {
    out -= 2;
    out[0] = static_cast<uint32_t>(x[lane]);
    out[1] = static_cast<uint32_t>(x[lane] >> 32);
  }
  const size_t n = static_cast<size_t>(words.data() + words.size() - out);
  std::vector<uint8_t> bytes(4 * n);
  for (size_t i = 0; i < n; ++i) store_le32(bytes.data() + 4 * i, out[i]);
  ops_.clear();
  op_lane_.clear();
  symbols_ = 0;
  return bytes;
}

// ---------------------------------------------------------------- decoder

Result<RansDecoder> RansDecoder::open(std::span<const uint8_t> stream, int lanes) {
  if (!is_supported_lane_count(lanes)) return lane_error(lanes);
  if (stream.size() % 4 != 0)
    return InvalidData("rANS stream: " + std::to_string(stream.size()) + " bytes is not a whole number of words");
  if (stream.size() < 8 * static_cast<size_t>(lanes))
    return InvalidData("rANS stream: " + std::to_string(stream.size()) + " bytes, shorter than its " +
                       std::to_string(lanes) + " initial states");
  RansDecoder d;
  d.lanes_ = lanes;
  d.ptr_ = stream.data();
  d.end_ = stream.data() + stream.size();
  for (int lane = 0; lane < lanes; ++lane) {
    const uint64_t lo = load_le32(d.ptr_), hi = load_le32(d.ptr_ + 4);
    d.ptr_ += 8;
    d.state_[lane] = hi << 32 | lo;
    if (d.state_[lane] < kRansL || d.state_[lane] >= (kRansL << 32))
      return InvalidData("rANS stream: initial state of lane " + std::to_string(lane) + " out of range");
  }
  return d;
}

template <int K, bool kIndexed>
Status RansDecoder::decode_lanes(std::span<int32_t> out, const int32_t* indexes, int table,
                                 const CdfTableSet& tables) {
  const CdfTableSet::TableInfo* info = tables.info();
  const uint32_t* cdf_data = tables.cdf_data();
  const uint16_t* lookup = tables.lookup_data();
  const int shift = tables.lookup_shift();
  const uint32_t table_count = static_cast<uint32_t>(tables.size());
  const size_t n = out.size();
  uint64_t x[K];
  for (int l = 0; l < K; ++l) x[l] = state_[l];
  WordReader in{ptr_, end_, false};
  Status status;

  // Decodes value i on lane `lane`; false on error (status set).
  auto step = [&](int lane, size_t i) __attribute__((always_inline)) -> bool {
    uint32_t t = static_cast<uint32_t>(table);
    if constexpr (kIndexed) {
      t = static_cast<uint32_t>(indexes[i]);
      if (t >= table_count) [[unlikely]] {
        status = InvalidArgument("rANS decode: table index " + std::to_string(indexes[i]) + " at position " +
                                 std::to_string(i) + " outside [0, " + std::to_string(table_count) + ")");
        return false;
      }
    }
    const CdfTableSet::TableInfo& ti = info[t];
    const uint32_t* cdf = cdf_data + ti.cdf_begin;
    uint64_t s = x[lane];
    const uint32_t c = static_cast<uint32_t>(s) & (kProbabilityOne - 1);
    uint32_t sym = lookup[ti.lookup_begin + (c >> shift)];
    while (cdf[sym + 1] <= c) ++sym;
    const uint32_t start = cdf[sym];
    const uint32_t freq = cdf[sym + 1] - start;
    s = freq * (s >> kPrecisionBits) + c - start;
    refill(s, in);
    if (sym == ti.escape) [[unlikely]] {
      Status st = decode_escape(s, in, ti.escape, ti.offset, out[i]);
      x[lane] = s;
      if (!st.ok()) {
        status = std::move(st);
        return false;
      }
      return true;
    }
    x[lane] = s;
    out[i] = ti.offset + static_cast<int32_t>(sym);
    return true;
  };

  size_t i = 0;
  bool ok = true;
  // Until the next symbol falls on lane 0, then whole rounds of K, then the rest.
  while (ok && i < n && (symbols_ + i) % K != 0) {
    ok = step(static_cast<int>((symbols_ + i) % K), i);
    ++i;
  }
  for (; ok && i + K <= n; i += K) {
#pragma GCC unroll 8
    for (int l = 0; l < K; ++l) ok = step(l, i + l) && ok;
  }
  for (; ok && i < n; ++i) ok = step(static_cast<int>((symbols_ + i) % K), i);

  for (int l = 0; l < K; ++l) state_[l] = x[l];
  ptr_ = in.ptr;
  overrun_ = overrun_ || in.overrun;
  symbols_ += i;
  if (!ok) return status;
  if (overrun_) return InvalidData("rANS stream: ran out of data (truncated or corrupt)");
  return Status::Ok();
}

Status RansDecoder::decode(std::span<int32_t> out, std::span<const int32_t> indexes, const CdfTableSet& tables) {
  if (!error_.ok()) return error_;
  if (out.size() != indexes.size())
    return InvalidArgument("rANS decode: " + std::to_string(out.size()) + " outputs but " +
                           std::to_string(indexes.size()) + " table indexes");
  Status st = lanes_ == 1   ? decode_lanes<1, true>(out, indexes.data(), 0, tables)
              : lanes_ == 4 ? decode_lanes<4, true>(out, indexes.data(), 0, tables)
                            : decode_lanes<8, true>(out, indexes.data(), 0, tables);
  if (!st.ok()) error_ = st;
  return st;
}

Status RansDecoder::decode(std::span<int32_t> out, int table, const CdfTableSet& tables) {
  if (!error_.ok()) return error_;
  if (table < 0 || table >= tables.size())
    return InvalidArgument("rANS decode: table " + std::to_string(table) + " outside [0, " +
                           std::to_string(tables.size()) + ")");
  Status st = lanes_ == 1   ? decode_lanes<1, false>(out, nullptr, table, tables)
              : lanes_ == 4 ? decode_lanes<4, false>(out, nullptr, table, tables)
                            : decode_lanes<8, false>(out, nullptr, table, tables);
  if (!st.ok()) error_ = st;
  return st;
}

Status RansDecoder::finish() const {
  if (!error_.ok()) return error_;
  if (overrun_) return InvalidData("rANS stream: ran out of data (truncated or corrupt)");
  if (ptr_ != end_)
    return InvalidData("rANS stream: " + std::to_string(end_ - ptr_) + " bytes left after the last symbol");
  for (int l = 0; l < lanes_; ++l) {
    if (state_[l] != kRansL) return InvalidData("rANS stream: final state of lane " + std::to_string(l) +
                                                " does not match (corrupt stream or wrong tables)");
  }
  return Status::Ok();
}

}  // namespace nmc::entropy
