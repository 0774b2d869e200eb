// The image codec's chunk ("HYPR") inside an nmc container: serialisation and
// validating parse. docs/image_codec.md is the byte-exact layout.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nmc/codecs/container/format.h"
#include "nmc/codecs/image/image_codec.h"

namespace nmc::image {

inline constexpr container::ChunkType kHyperpriorChunk = container::ChunkType::from("HYPR");
inline constexpr uint8_t kHyperpriorLayoutVersion = 1;
inline constexpr size_t kHyperpriorChunkFixedBytes = 16;

// Values of the chunk's probability-path byte.
inline constexpr int kFloatProbabilities = 0;    // float32 h_s (CompressAI's); same build and machine only
inline constexpr int kIntegerProbabilities = 1;  // integer h_s (int_hyper_synthesis.h); portable

struct HyperpriorChunk {
  HyperpriorKind kind = HyperpriorKind::kMeanScaleHyperprior;
  int probability_path = kIntegerProbabilities;
  int lanes = 8;
  int64_t n = 0;
  int64_t m = 0;
  std::span<const uint8_t> z;  // rANS stream of z (views into the payload when parsed)
  std::span<const uint8_t> y;  // rANS stream of y
};

// Chunk payload for `c`. InvalidArgument when a field does not fit its byte width.
Result<std::vector<uint8_t>> serialize_hyperprior_chunk(const HyperpriorChunk& c);

// Validates every field of a payload: layout version (kUnsupported when newer),
// architecture, probability path, lanes, N and M in [1, kMaxHyperpriorChannels],
// and that the two byte counts add up to the payload (kInvalidData otherwise).
Result<HyperpriorChunk> parse_hyperprior_chunk(std::span<const uint8_t> payload);

// Container limits equivalent to the codec's image limits.
container::Limits container_limits(const ImageCodecLimits& limits);

// Parses `stream` as an image stream: container, HEAD (modality image, 8 bits,
// 1 or 3 channels, size within `limits`), exactly one HYPR chunk (unknown
// ancillary chunks are skipped, unknown critical ones rejected).
struct ParsedImageStream {
  container::Header header;
  HyperpriorChunk chunk;
};
Result<ParsedImageStream> parse_image_stream(std::span<const uint8_t> stream, const ImageCodecLimits& limits);

}  // namespace nmc::image
