// Parsing a complete stream held in memory: every field and every chunk is
// validated before anything is returned, so a codec can trust the result.
//
// Thread rules: parse() keeps no state; a Stream is a plain value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "nmc/codecs/container/chunk.h"
#include "nmc/codecs/container/format.h"
#include "nmc/kernels/status.h"

namespace nmc::container {

struct FormatVersion {
  uint16_t major = 0;
  uint16_t minor = 0;
};

// A validated stream. Chunk payloads point into the parsed buffer: a Stream
// must not outlive the bytes given to parse().
struct Stream {
  FormatVersion version;
  Header header;
  // Fields a later minor version appended to HEAD (empty for 1.0).
  std::span<const uint8_t> head_extension;
  // Codec chunks in stream order; HEAD and DONE are not listed.
  std::vector<ChunkView> chunks;
  // Unknown ancillary chunks left out of `chunks` (only with known_types).
  size_t skipped_chunks = 0;
};

// Parses a whole stream. Checks, in stream order: size <= max_stream_bytes,
// magic, a HEAD chunk first (version, then every header field via
// validate_header), each chunk's type, length and CRC, chunk count, no second
// HEAD, a DONE chunk with an empty payload, and no byte after it.
//   kInvalidData: malformed or truncated input, CRC mismatch;
//   kUnsupported: major version other than kVersionMajor, unknown critical flag;
//   kLimitExceeded: any bound in `limits`.
// Allocates only the chunk index (bounded by max_chunks and by the input size)
// and the model name (at most 64 bytes). All chunks other than HEAD/DONE are
// returned; the codec decides what their types mean.
Result<Stream> parse(std::span<const uint8_t> bytes, const Limits& limits = {});

// As above, then applies the critical/ancillary rule with the codec's chunk
// types: a chunk whose type is neither HEAD, DONE nor in `known_types` is
// skipped when ancillary (counted in skipped_chunks) and rejects the stream
// with kUnsupported when critical.
Result<Stream> parse(std::span<const uint8_t> bytes, const Limits& limits, std::span<const ChunkType> known_types);

}  // namespace nmc::container
