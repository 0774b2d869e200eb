// Fuzz target: the nmc bitstream container parser and chunk reader on
// arbitrary bytes (docs/bitstream.md).
// Invariants checked (abort on violation so the fuzzer reports them):
//   - a rejected input has kInvalidData, kUnsupported or kLimitExceeded and a
//     non-empty message; parse never crashes, hangs or reads out of bounds;
//   - an accepted input re-serialized by the Writer parses to the same header
//     and chunks, and for format 1.0 to the very same bytes (the format has
//     one encoding per content);
//   - parse with the codec's known types keeps a subset of the chunks;
//   - the same holds for a copy of the input whose chunk CRCs are recomputed
//     (so mutated header fields get past the CRC check);
//   - every chunk find_next_chunk reports also passes read_chunk at its offset
//     and lies inside the input; scanning advances.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "nmc/codecs/container/chunk.h"
#include "nmc/codecs/container/stream.h"
#include "nmc/codecs/container/writer.h"
#include "repair_crcs.h"

namespace {

using namespace nmc;
using namespace nmc::container;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_rejection(const Status& s) {
  check(s.code() == StatusCode::kInvalidData || s.code() == StatusCode::kUnsupported ||
        s.code() == StatusCode::kLimitExceeded);
  check(!s.message().empty());
}

bool same_chunks(const std::vector<ChunkView>& a, const std::vector<ChunkView>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].type != b[i].type || a[i].payload.size() != b[i].payload.size()) return false;
    for (size_t k = 0; k < a[i].payload.size(); ++k)
      if (a[i].payload[k] != b[i].payload[k]) return false;
  }
  return true;
}

void check_round_trip(std::span<const uint8_t> input, const Stream& stream, const Limits& limits) {
  Writer writer(limits);
  check(writer.set_header(stream.header).ok());
  for (const ChunkView& c : stream.chunks) check(writer.append_chunk(c.type, c.payload).ok());
  auto bytes = writer.finish();
  check(bytes.ok());
  auto again = parse(bytes.value(), limits);
  check(again.ok());
  check(again->header == stream.header);
  check(again->version.major == kVersionMajor && again->version.minor == kVersionMinor);
  check(same_chunks(again->chunks, stream.chunks));
  if (stream.version.minor == kVersionMinor) {
    check(bytes->size() == input.size());
    for (size_t i = 0; i < input.size(); ++i) check((*bytes)[i] == input[i]);
  }
}

void check_parse(std::span<const uint8_t> input, const Limits& limits) {
  auto stream = parse(input, limits);
  if (!stream.ok()) {
    check_rejection(stream.status());
    return;
  }
  check(stream->version.major == kVersionMajor);
  for (const ChunkView& c : stream->chunks) {
    check(c.type.is_valid() && c.type != kHeadChunk && c.type != kDoneChunk);
    check(c.end_offset() <= input.size() && c.payload.data() == input.data() + c.offset + kChunkPrefixBytes);
  }
  check_round_trip(input, *stream, limits);

  static const ChunkType kKnown[] = {ChunkType::from("LATN"), ChunkType::from("HYPR"), ChunkType::from("FRAM")};
  auto filtered = parse(input, limits, kKnown);
  if (!filtered.ok()) {
    check(filtered.status().code() == StatusCode::kUnsupported);
  } else {
    check(filtered->chunks.size() + filtered->skipped_chunks == stream->chunks.size());
  }
}

void check_resync(std::span<const uint8_t> input, const Limits& limits) {
  size_t from = 0;
  while (from < input.size()) {
    const ResyncResult r = find_next_chunk(input, from, limits);
    check(r.keep_from <= input.size());
    if (!r.chunk) {
      check(r.keep_from >= from);
      break;
    }
    check(r.chunk->offset >= from && r.chunk->end_offset() <= input.size());
    check(read_chunk(input, r.chunk->offset, limits).ok());
    from = r.chunk->offset + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  check_parse(input, Limits{});

  Limits tight;
  tight.max_stream_bytes = 4096;
  tight.max_chunk_bytes = 256;
  tight.max_chunks = 8;
  tight.max_dimension = 64;
  tight.max_pixels = 1024;
  tight.max_channels = 4;
  tight.max_sample_rate = 48000;
  tight.max_frame_rate = 60;
  tight.max_duration_seconds = 2;
  check_parse(input, tight);
  check_resync(input, tight);

  const std::vector<uint8_t> repaired = nmc::fuzz::with_repaired_crcs(input);
  check_parse(repaired, Limits{});
  check_parse(repaired, tight);
  return 0;
}
