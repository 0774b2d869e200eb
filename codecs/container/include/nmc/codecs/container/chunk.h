// Chunk-level access: framing, reading one chunk at an offset, and finding the
// next valid chunk after damage (resync). parse() is built on these; streaming
// readers use them directly on the bytes received so far.
//
// Thread rules: free functions without state; safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "nmc/codecs/container/format.h"
#include "nmc/kernels/status.h"

namespace nmc::container {

// One chunk inside a caller-owned byte buffer. Zero-copy: `payload` points
// into that buffer and is valid only while the buffer is.
struct ChunkView {
  ChunkType type;
  std::span<const uint8_t> payload;
  size_t offset = 0;  // of the chunk's first byte (its type) in the buffer
  size_t framed_size() const { return kChunkOverheadBytes + payload.size(); }
  size_t end_offset() const { return offset + framed_size(); }
};

// CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320, init and final XOR
// 0xFFFFFFFF, i.e. zlib's crc32) over type, little-endian length and payload.
uint32_t chunk_crc(ChunkType type, std::span<const uint8_t> payload);

// Appends type | length | payload | CRC to `out`. No check of the type (tests
// and tools use it to build invalid streams); kInvalidArgument when the
// payload does not fit a u32 length.
Status append_framed_chunk(ChunkType type, std::span<const uint8_t> payload, std::vector<uint8_t>& out);

// Reads and verifies the chunk starting at `offset` of `bytes`.
//   kAgain: `bytes` ends before the chunk does (a streaming reader appends
//     more bytes and calls again; for a complete buffer this is truncation);
//   kInvalidData: a type byte that is not an ASCII letter, or a CRC mismatch;
//   kLimitExceeded: declared payload length over limits.max_chunk_bytes.
// Checks run in that order of position: type, length, then (once all bytes
// are there) the CRC. `offset` past the end of `bytes` is kInvalidArgument.
Result<ChunkView> read_chunk(std::span<const uint8_t> bytes, size_t offset, const Limits& limits);

// Outcome of a resync scan.
struct ResyncResult {
  // The first position >= `from` where read_chunk() succeeds, if any.
  std::optional<ChunkView> chunk;
  // When no chunk was found: the first position whose verdict needs more
  // bytes (its available type bytes are letters, and its 8-byte prefix or its
  // whole chunk runs past the end of `bytes`); a streaming reader may drop
  // the bytes before it, append more and scan again from it. bytes.size()
  // when every position was ruled out.
  size_t keep_from = 0;
};

// Resync: scans byte by byte from `from` for a position where a valid type,
// a length within limits.max_chunk_bytes and a matching CRC all hold (the
// procedure and its false-positive rate are in docs/bitstream.md). Cost: one
// CRC over the candidate chunk per plausible position, so at most
// (bytes.size() - from) * (12 + max_chunk_bytes) bytes hashed on hostile
// input; readers of untrusted streams pass a tight max_chunk_bytes.
ResyncResult find_next_chunk(std::span<const uint8_t> bytes, size_t from, const Limits& limits);

}  // namespace nmc::container
