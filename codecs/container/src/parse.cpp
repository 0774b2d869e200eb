// Whole-stream parsing (docs/bitstream.md, "Stream structure").
#include <algorithm>
#include <cstdio>
#include <string>

#include "head_payload.h"
#include "nmc/codecs/container/stream.h"

namespace nmc::container {

namespace {

std::string at(size_t offset) { return " at offset " + std::to_string(offset); }

// read_chunk on a complete buffer: running out of bytes is truncation.
Result<ChunkView> read_complete(std::span<const uint8_t> bytes, size_t offset, const Limits& limits) {
  auto chunk = read_chunk(bytes, offset, limits);
  if (!chunk.ok() && chunk.status().code() == StatusCode::kAgain) return InvalidData(chunk.status().message());
  return chunk;
}

Status check_magic(std::span<const uint8_t> bytes) {
  const size_t n = std::min(bytes.size(), kMagic.size());
  for (size_t i = 0; i < n; ++i) {
    if (bytes[i] != kMagic[i]) {
      char buf[96];
      std::snprintf(buf, sizeof(buf), "not an nmc stream: magic byte %zu is 0x%02X, expected 0x%02X", i, bytes[i],
                    kMagic[i]);
      return InvalidData(buf);
    }
  }
  if (n < kMagic.size())
    return InvalidData("truncated stream: " + std::to_string(n) + " of the 8 magic bytes present");
  return Status::Ok();
}

}  // namespace

Result<Stream> parse(std::span<const uint8_t> bytes, const Limits& limits) {
  if (bytes.size() > limits.max_stream_bytes)
    return LimitExceeded("stream of " + std::to_string(bytes.size()) + " bytes is over the limit of " +
                         std::to_string(limits.max_stream_bytes));
  NMC_RETURN_IF_ERROR(check_magic(bytes));

  Stream stream;
  size_t offset = kMagic.size();
  NMC_ASSIGN_OR_RETURN(const ChunkView head, read_complete(bytes, offset, limits));
  if (head.type != kHeadChunk)
    return InvalidData("first chunk is '" + head.type.to_string() + "'" + at(offset) + "; a stream starts with HEAD");
  NMC_RETURN_IF_ERROR(detail::decode_head_payload(head.payload, limits, &stream));
  offset = head.end_offset();

  uint64_t count = 1;
  while (true) {
    if (offset == bytes.size())
      return InvalidData("stream ends" + at(offset) + " without a DONE chunk (truncated)");
    NMC_ASSIGN_OR_RETURN(const ChunkView chunk, read_complete(bytes, offset, limits));
    if (++count > limits.max_chunks)
      return LimitExceeded("chunk '" + chunk.type.to_string() + "'" + at(offset) + " is chunk number " +
                           std::to_string(count) + ", over the limit of " + std::to_string(limits.max_chunks));
    if (chunk.type == kHeadChunk) return InvalidData("second HEAD chunk" + at(offset));
    offset = chunk.end_offset();
    if (chunk.type == kDoneChunk) {
      if (!chunk.payload.empty())
        return InvalidData("DONE chunk" + at(chunk.offset) + " has a payload of " +
                           std::to_string(chunk.payload.size()) + " bytes; it must be empty");
      if (offset != bytes.size())
        return InvalidData(std::to_string(bytes.size() - offset) + " trailing bytes after the DONE chunk" +
                           at(chunk.offset));
      return stream;
    }
    stream.chunks.push_back(chunk);
  }
}

Result<Stream> parse(std::span<const uint8_t> bytes, const Limits& limits, std::span<const ChunkType> known_types) {
  NMC_ASSIGN_OR_RETURN(Stream stream, parse(bytes, limits));
  auto is_known = [&](const ChunkType& t) {
    return std::find(known_types.begin(), known_types.end(), t) != known_types.end();
  };
  std::vector<ChunkView> kept;
  kept.reserve(stream.chunks.size());
  for (const ChunkView& chunk : stream.chunks) {
    if (is_known(chunk.type)) {
      kept.push_back(chunk);
    } else if (chunk.type.is_critical()) {
      return Unsupported("unknown critical chunk '" + chunk.type.to_string() + "'" + at(chunk.offset));
    } else {
      ++stream.skipped_chunks;
    }
  }
  stream.chunks = std::move(kept);
  return stream;
}

}  // namespace nmc::container
