// rANS entropy coder with interleaved lanes (codecs/entropy).
//
// Stream format (docs/entropy.md):
//   - K lanes (K in {1, 4, 8}; K is not stored in the stream, the codec's
//     chunk that carries it records K). Each lane is a 64-bit rANS state; renormalisation moves
//     32-bit words; L = 2^31; 16-bit probabilities (cdf_tables.h).
//   - Symbol i of a stream is coded on lane i mod K, counted over the whole
//     stream (across encode calls). An escaped value's bypass nibbles are coded
//     on the same lane, right after its escape symbol.
//   - Bytes: K final states (lane 0 first, each as low word then high word),
//     then the renormalisation words in decoding order; every word little-endian.
//   - Escape (CompressAI's rule): v = value - offset; if 0 <= v < n-1, code
//     symbol v; otherwise code the escape symbol n-1 and then raw =
//     (v < 0 ? -2v-1 : 2(v-(n-1))) in bypass mode: its nibble count m (0 for
//     raw = 0) as 4-bit groups (15 means "15 more, read another group"), then
//     the m nibbles of raw, least significant first. A bypass nibble is a rANS
//     symbol with 4-bit precision and frequency 1.
// With K = 1 the bytes are exactly those of CompressAI's `ans` coder (ryg_rans
// rans64), so nmc decodes CompressAI strings and writes strings CompressAI decodes.
//
// Thread rules: an encoder or decoder is used by one thread at a time; the
// CdfTableSet it codes against may be shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "nmc/codecs/entropy/cdf_tables.h"
#include "nmc/kernels/status.h"

namespace nmc::entropy {

inline constexpr int kDefaultLanes = 8;
inline bool is_supported_lane_count(int lanes) { return lanes == 1 || lanes == 4 || lanes == 8; }

// Number of bypass nibbles (count groups + value nibbles) that code the
// escaped value v = value - offset for a table whose escape symbol is `escape`.
int escape_nibbles(int64_t v, uint32_t escape);

class RansEncoder {
 public:
  // lanes: 1, 4 or 8 (is_supported_lane_count); with any other count every
  // encode call returns InvalidArgument and finish() returns no bytes.
  explicit RansEncoder(int lanes = kDefaultLanes);

  // Queues values[i] coded with table indexes[i] of `tables`. Nothing is
  // queued on error (InvalidArgument: sizes differ or an index is out of range).
  Status encode(std::span<const int32_t> values, std::span<const int32_t> indexes, const CdfTableSet& tables);
  // Queues every value against the one table `table`.
  Status encode(std::span<const int32_t> values, int table, const CdfTableSet& tables);

  size_t symbols() const { return symbols_; }
  // Codes everything queued (rANS runs backwards, so coding happens here),
  // returns the stream and resets the encoder for a new stream.
  std::vector<uint8_t> finish();

 private:
  void push_value(int32_t value, const CdfTableSet::TableInfo& info, const uint32_t* cdf);

  int lanes_;
  size_t symbols_ = 0;
  // One entry per coding operation, in decoding order: start << 16 | freq for
  // a regular symbol (freq in [1, 65535]); nibble << 16 for a bypass nibble.
  std::vector<uint32_t> ops_;
  std::vector<uint8_t> op_lane_;
};

class RansDecoder {
 public:
  // `stream` must outlive the decoder. InvalidArgument for an unsupported lane
  // count; InvalidData when the stream is shorter than the K initial states or
  // not a whole number of 32-bit words.
  static Result<RansDecoder> open(std::span<const uint8_t> stream, int lanes = kDefaultLanes);

  // Decodes out.size() values, values[i] with table indexes[i]. InvalidArgument
  // for mismatched sizes or an out-of-range index; InvalidData for a stream
  // that runs out of words or codes an escape that cannot be a valid int32.
  // After an error the decoder stays failed.
  Status decode(std::span<int32_t> out, std::span<const int32_t> indexes, const CdfTableSet& tables);
  Status decode(std::span<int32_t> out, int table, const CdfTableSet& tables);

  // Ends the stream: InvalidData unless every word was consumed and every lane
  // state returned to its initial value (so truncated, extended or corrupted
  // streams are detected with high probability even when they decode). A
  // stream that decodes and finishes cleanly is exactly what RansEncoder
  // writes for the decoded values (the format is canonical).
  Status finish() const;

 private:
  RansDecoder() = default;
  template <int K, bool kIndexed>
  Status decode_lanes(std::span<int32_t> out, const int32_t* indexes, int table, const CdfTableSet& tables);

  const uint8_t* ptr_ = nullptr;
  const uint8_t* end_ = nullptr;
  int lanes_ = 1;
  uint64_t state_[8] = {};
  size_t symbols_ = 0;
  bool overrun_ = false;
  Status error_;
};

}  // namespace nmc::entropy
