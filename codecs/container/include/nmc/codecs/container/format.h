// The nmc bitstream container: constants and value types shared by the writer,
// the parser and the chunk reader. The byte-exact specification is
// docs/bitstream.md; every constant here is named there.
//
// Stream layout (all integers little-endian):
//   8-byte magic | HEAD chunk | codec chunks ... | DONE chunk
//   chunk = type (4 ASCII letters) | u32 payload length | payload | u32 CRC-32
//           (the CRC covers type, length and payload)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nmc::container {

// 0x89 'N' 'M' 'C' CR LF 0x1A LF: the high bit catches 7-bit transports, CR LF
// and LF catch line-ending conversion, 0x1A stops DOS `type`.
inline constexpr std::array<uint8_t, 8> kMagic = {0x89, 'N', 'M', 'C', 0x0D, 0x0A, 0x1A, 0x0A};

// Format version written by this library. A reader rejects any other major
// version (kUnsupported) and accepts any minor version of its major.
inline constexpr uint16_t kVersionMajor = 1;
inline constexpr uint16_t kVersionMinor = 0;

// Chunk framing: type (4) + length (4) before the payload, CRC (4) after it.
inline constexpr size_t kChunkPrefixBytes = 8;
inline constexpr size_t kChunkOverheadBytes = 12;

// A chunk type: four ASCII letters (A-Z, a-z). Bit 5 of the first letter is
// the ancillary bit: uppercase first letter = critical (a reader that does not
// know the type must reject the stream), lowercase = ancillary (may be skipped).
// The case of the other three letters carries no meaning in format 1.x.
struct ChunkType {
  std::array<uint8_t, 4> bytes{};

  // `name` must be exactly four characters; anything else yields "????" (which
  // is_valid() rejects), so a typo cannot silently produce a legal type.
  static constexpr ChunkType from(std::string_view name) {
    ChunkType t;
    if (name.size() != 4) return ChunkType{{'?', '?', '?', '?'}};
    for (size_t i = 0; i < 4; ++i) t.bytes[i] = static_cast<uint8_t>(name[i]);
    return t;
  }
  constexpr bool is_valid() const {
    for (uint8_t b : bytes)
      if (!((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z'))) return false;
    return true;
  }
  constexpr bool is_critical() const { return (bytes[0] & 0x20) == 0; }
  // Printable form for messages: letters as is, other bytes as \xNN.
  std::string to_string() const;
  friend constexpr bool operator==(const ChunkType&, const ChunkType&) = default;
};

// Types defined by the container; codecs pick their own (any other valid type).
inline constexpr ChunkType kHeadChunk = ChunkType::from("HEAD");
inline constexpr ChunkType kDoneChunk = ChunkType::from("DONE");

// The HEAD payload of format 1.0: 81 fixed bytes, then the model name. Byte
// offsets are listed in docs/bitstream.md.
inline constexpr size_t kHeadFixedBytes = 81;
inline constexpr size_t kMaxModelNameBytes = 64;
// HEAD payloads of later minor versions may append fields; a reader ignores
// them but never reads a HEAD payload larger than this.
inline constexpr size_t kMaxHeadPayloadBytes = 4096;

enum class Modality : uint8_t { kImage = 1, kAudio = 2, kVideo = 3 };
const char* modality_name(Modality m);

// Header flags. Bits 0-15 are critical: a reader rejects a set bit it does not
// know (kUnsupported). Bits 16-31 are advisory: unknown ones are ignored and
// kept. Format 1.0 defines no flag.
inline constexpr uint32_t kCriticalFlagMask = 0x0000FFFFu;
inline constexpr uint32_t kKnownFlags = 0;

// Frames per second as num / den (e.g. 30000 / 1001).
struct Rational {
  uint32_t num = 0;
  uint32_t den = 0;
  friend constexpr bool operator==(const Rational&, const Rational&) = default;
};

// The stream header (the HEAD chunk's content). Which fields a modality uses:
//   image: width, height, channels, bit_depth
//   audio: channels, bit_depth, sample_rate, sample_count
//   video: width, height, channels, bit_depth, frame_rate, frame_count
// Fields a modality does not use must be zero. Allowed ranges: docs/bitstream.md.
struct Header {
  Modality modality = Modality::kImage;
  uint32_t flags = 0;
  std::string model_name;                    // UTF-8, 1..kMaxModelNameBytes bytes, no control characters
  std::array<uint8_t, 32> weights_sha256{};  // SHA-256 of the model weights; all zero = not recorded
  uint32_t width = 0;                        // pixels
  uint32_t height = 0;                       // pixels
  uint16_t channels = 0;                     // colour planes or audio channels
  uint8_t bit_depth = 0;                     // bits per sample of the source media
  uint32_t sample_rate = 0;                  // Hz (audio)
  Rational frame_rate;                       // frames per second (video)
  uint64_t frame_count = 0;                  // video frames
  uint64_t sample_count = 0;                 // audio samples per channel
  friend bool operator==(const Header&, const Header&) = default;
};

// Resource bounds a reader (and the writer) enforces; a field over its bound
// gives kLimitExceeded. Defaults suit hours of media on a desktop machine; a
// service facing untrusted input may tighten them.
struct Limits {
  uint64_t max_stream_bytes = uint64_t{1} << 32;  // whole stream; parse() allocates only the chunk index (32 bytes a chunk)
  uint32_t max_chunk_bytes = uint32_t{1} << 28;   // one chunk's payload
  uint64_t max_chunks = uint64_t{1} << 22;        // chunks in a stream, HEAD and DONE included
  uint32_t max_dimension = uint32_t{1} << 16;     // width and height, pixels
  uint64_t max_pixels = uint64_t{1} << 28;        // width * height of one image or frame
  uint16_t max_channels = 64;
  uint32_t max_sample_rate = 768000;              // Hz
  uint32_t max_frame_rate = 1000;                 // frames per second (num / den)
  uint64_t max_duration_seconds = 24 * 3600;      // sample_count / sample_rate, frame_count * den / num
};

}  // namespace nmc::container
