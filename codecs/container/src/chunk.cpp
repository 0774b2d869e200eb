// Chunk framing, verification and resync (docs/bitstream.md, "Chunks" and
// "Resync").
#include "nmc/codecs/container/chunk.h"

#include <boost/crc.hpp>
#include <cstdio>
#include <limits>
#include <string>

#include "byte_io.h"

namespace nmc::container {

namespace {

bool is_letter(uint8_t b) { return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z'); }

std::string at(size_t offset) { return " at offset " + std::to_string(offset); }

}  // namespace

uint32_t chunk_crc(ChunkType type, std::span<const uint8_t> payload) {
  boost::crc_32_type crc;
  crc.process_bytes(type.bytes.data(), type.bytes.size());
  const uint32_t length = static_cast<uint32_t>(payload.size());
  const uint8_t length_le[4] = {static_cast<uint8_t>(length), static_cast<uint8_t>(length >> 8),
                                static_cast<uint8_t>(length >> 16), static_cast<uint8_t>(length >> 24)};
  crc.process_bytes(length_le, sizeof(length_le));
  if (!payload.empty()) crc.process_bytes(payload.data(), payload.size());
  return crc.checksum();
}

Status append_framed_chunk(ChunkType type, std::span<const uint8_t> payload, std::vector<uint8_t>& out) {
  if (payload.size() > std::numeric_limits<uint32_t>::max())
    return InvalidArgument("chunk payload of " + std::to_string(payload.size()) + " bytes does not fit a u32 length");
  out.insert(out.end(), type.bytes.begin(), type.bytes.end());
  detail::append_le<uint32_t>(out, static_cast<uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  detail::append_le<uint32_t>(out, chunk_crc(type, payload));
  return Status::Ok();
}

Result<ChunkView> read_chunk(std::span<const uint8_t> bytes, size_t offset, const Limits& limits) {
  if (offset > bytes.size())
    return InvalidArgument("chunk offset " + std::to_string(offset) + " is past the end of " +
                           std::to_string(bytes.size()) + " bytes");
  const size_t avail = bytes.size() - offset;
  const uint8_t* p = bytes.data() + offset;
  // Type bytes are checked as far as they are present, so garbage is reported
  // as garbage even when the buffer also ends early.
  for (size_t i = 0; i < 4 && i < avail; ++i) {
    if (!is_letter(p[i])) {
      ChunkType partial;
      for (size_t j = 0; j < 4 && j < avail; ++j) partial.bytes[j] = p[j];
      return InvalidData("chunk type '" + partial.to_string() + "'" + at(offset) +
                         " is not four ASCII letters (byte " + std::to_string(i) + ")");
    }
  }
  if (avail < kChunkPrefixBytes)
    return Status(StatusCode::kAgain, "truncated chunk header" + at(offset) + ": " + std::to_string(avail) +
                                          " of 8 bytes present");
  ChunkType type;
  for (size_t i = 0; i < 4; ++i) type.bytes[i] = p[i];
  const uint32_t length = detail::load_le<uint32_t>(p + 4);
  if (length > limits.max_chunk_bytes)
    return LimitExceeded("chunk '" + type.to_string() + "'" + at(offset) + " declares a payload of " +
                         std::to_string(length) + " bytes, over the limit of " +
                         std::to_string(limits.max_chunk_bytes));
  const uint64_t framed = uint64_t{length} + kChunkOverheadBytes;
  if (framed > avail)
    return Status(StatusCode::kAgain, "truncated chunk '" + type.to_string() + "'" + at(offset) + ": needs " +
                                          std::to_string(framed) + " bytes, " + std::to_string(avail) +
                                          " present");
  const std::span<const uint8_t> payload(p + kChunkPrefixBytes, length);
  const uint32_t stored = detail::load_le<uint32_t>(p + kChunkPrefixBytes + length);
  const uint32_t computed = chunk_crc(type, payload);
  if (stored != computed) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), ": stored 0x%08X, computed 0x%08X", stored, computed);
    return InvalidData("CRC mismatch in chunk '" + type.to_string() + "'" + at(offset) + buf);
  }
  return ChunkView{type, payload, offset};
}

ResyncResult find_next_chunk(std::span<const uint8_t> bytes, size_t from, const Limits& limits) {
  ResyncResult result;
  result.keep_from = bytes.size();
  bool pending = false;
  for (size_t pos = from; pos < bytes.size(); ++pos) {
    // Cheap filters first: letters, then the length bound; the CRC last.
    const size_t avail = bytes.size() - pos;
    const uint8_t* p = bytes.data() + pos;
    bool letters = true;
    for (size_t i = 0; i < 4 && i < avail; ++i) letters = letters && is_letter(p[i]);
    if (!letters) continue;
    auto chunk = read_chunk(bytes, pos, limits);
    if (chunk.ok()) {
      result.chunk = chunk.value();
      result.keep_from = pos;
      return result;
    }
    if (chunk.status().code() == StatusCode::kAgain && !pending) {
      pending = true;
      result.keep_from = pos;
    }
  }
  return result;
}

}  // namespace nmc::container
