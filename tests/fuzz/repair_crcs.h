// Shared by the container-level fuzz targets: a copy of an input with every
// chunk CRC recomputed, so mutations get past the CRC to the checks behind it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nmc/codecs/container/chunk.h"
#include "nmc/codecs/container/format.h"

namespace nmc::fuzz {

// Walks the chunk framing from offset 8 as far as it holds and rewrites each
// chunk's CRC; bytes after the last well-framed chunk are kept as they are.
inline std::vector<uint8_t> with_repaired_crcs(std::span<const uint8_t> input) {
  using namespace nmc::container;
  std::vector<uint8_t> out(input.begin(), input.end());
  size_t off = kMagic.size();
  while (off <= out.size() && out.size() - off >= kChunkOverheadBytes) {
    const uint32_t length = uint32_t{out[off + 4]} | uint32_t{out[off + 5]} << 8 | uint32_t{out[off + 6]} << 16 |
                            uint32_t{out[off + 7]} << 24;
    if (length > out.size() - off - kChunkOverheadBytes) break;
    ChunkType type;
    for (size_t i = 0; i < 4; ++i) type.bytes[i] = out[off + i];
    const uint32_t crc = chunk_crc(type, std::span<const uint8_t>(out.data() + off + kChunkPrefixBytes, length));
    for (size_t i = 0; i < 4; ++i) out[off + kChunkPrefixBytes + length + i] = static_cast<uint8_t>(crc >> (8 * i));
    off += kChunkOverheadBytes + length;
  }
  return out;
}

}  // namespace nmc::fuzz
