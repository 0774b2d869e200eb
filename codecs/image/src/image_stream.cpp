// The image codec's HYPR chunk and image-stream parsing (docs/image_codec.md).
#include "image_stream.h"

#include <string>

#include "nmc/codecs/container/stream.h"
#include "nmc/codecs/entropy/rans.h"

namespace nmc::image {
namespace {

void put_u16(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint32_t get_u16(const uint8_t* p) { return p[0] | (uint32_t{p[1]} << 8); }
uint32_t get_u32(const uint8_t* p) {
  return p[0] | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

Status bad(const std::string& what) { return InvalidData("image stream: " + what); }

}  // namespace

Result<std::vector<uint8_t>> serialize_hyperprior_chunk(const HyperpriorChunk& c) {
  if (c.n < 1 || c.n > 0xFFFF || c.m < 1 || c.m > 0xFFFF)
    return InvalidArgument("image stream: N and M must be in [1, 65535]");
  if (c.z.size() > 0xFFFFFFFFu || c.y.size() > 0xFFFFFFFFu)
    return InvalidArgument("image stream: a latent stream exceeds 4 GiB");
  if (!entropy::is_supported_lane_count(c.lanes)) return InvalidArgument("image stream: lanes must be 1, 4 or 8");
  std::vector<uint8_t> out;
  out.reserve(kHyperpriorChunkFixedBytes + c.z.size() + c.y.size());
  out.push_back(kHyperpriorLayoutVersion);
  out.push_back(static_cast<uint8_t>(c.kind));
  out.push_back(static_cast<uint8_t>(c.probability_path));
  out.push_back(static_cast<uint8_t>(c.lanes));
  put_u16(out, static_cast<uint32_t>(c.n));
  put_u16(out, static_cast<uint32_t>(c.m));
  put_u32(out, static_cast<uint32_t>(c.z.size()));
  put_u32(out, static_cast<uint32_t>(c.y.size()));
  out.insert(out.end(), c.z.begin(), c.z.end());
  out.insert(out.end(), c.y.begin(), c.y.end());
  return out;
}

Result<HyperpriorChunk> parse_hyperprior_chunk(std::span<const uint8_t> p) {
  if (p.size() < kHyperpriorChunkFixedBytes)
    return bad("HYPR chunk of " + std::to_string(p.size()) + " bytes is shorter than its 16-byte fixed part");
  if (p[0] != kHyperpriorLayoutVersion)
    return Unsupported("image stream: HYPR layout version " + std::to_string(p[0]) + " (this library reads 1)");
  HyperpriorChunk c;
  if (p[1] > 1) return bad("unknown architecture " + std::to_string(p[1]));
  c.kind = static_cast<HyperpriorKind>(p[1]);
  if (p[2] > kIntegerProbabilities) return bad("unknown probability path " + std::to_string(p[2]));
  c.probability_path = p[2];
  c.lanes = p[3];
  if (!entropy::is_supported_lane_count(c.lanes)) return bad("rANS lane count " + std::to_string(c.lanes));
  c.n = get_u16(p.data() + 4);
  c.m = get_u16(p.data() + 6);
  if (c.n < 1 || c.m < 1 || c.n > kMaxHyperpriorChannels || c.m > kMaxHyperpriorChannels)
    return bad("N=" + std::to_string(c.n) + " M=" + std::to_string(c.m) + " outside [1, 4096]");
  const uint64_t z_bytes = get_u32(p.data() + 8), y_bytes = get_u32(p.data() + 12);
  if (kHyperpriorChunkFixedBytes + z_bytes + y_bytes != p.size())
    return bad("HYPR byte counts (z " + std::to_string(z_bytes) + ", y " + std::to_string(y_bytes) +
               ") do not match the chunk's " + std::to_string(p.size()) + " bytes");
  c.z = p.subspan(kHyperpriorChunkFixedBytes, z_bytes);
  c.y = p.subspan(kHyperpriorChunkFixedBytes + z_bytes, y_bytes);
  return c;
}

container::Limits container_limits(const ImageCodecLimits& limits) {
  container::Limits l;
  l.max_dimension = static_cast<uint32_t>(std::min<int64_t>(limits.max_dimension, 0xFFFFFFFF));
  l.max_pixels = static_cast<uint64_t>(limits.max_pixels);
  return l;
}

Result<ParsedImageStream> parse_image_stream(std::span<const uint8_t> stream, const ImageCodecLimits& limits) {
  const container::ChunkType known[] = {kHyperpriorChunk};
  NMC_ASSIGN_OR_RETURN(container::Stream s, container::parse(stream, container_limits(limits), known));
  const container::Header& h = s.header;
  if (h.modality != container::Modality::kImage)
    return bad(std::string("modality is ") + container::modality_name(h.modality) + ", not image");
  if (h.bit_depth != 8) return Unsupported("image stream: bit depth " + std::to_string(h.bit_depth));
  if (h.channels != 1 && h.channels != 3) return bad("channels " + std::to_string(h.channels) + " (1 or 3)");
  if (h.width < 1 || h.height < 1) return bad("empty image");
  if (s.chunks.size() != 1) return bad(std::to_string(s.chunks.size()) + " HYPR chunks (exactly one expected)");
  NMC_ASSIGN_OR_RETURN(HyperpriorChunk c, parse_hyperprior_chunk(s.chunks[0].payload));
  return ParsedImageStream{h, c};
}

Result<ImageStreamInfo> inspect_image_stream(std::span<const uint8_t> stream, const ImageCodecLimits& limits) {
  NMC_ASSIGN_OR_RETURN(ParsedImageStream p, parse_image_stream(stream, limits));
  ImageStreamInfo i;
  i.model_name = p.header.model_name;
  i.weights_sha256 = p.header.weights_sha256;
  i.width = p.header.width;
  i.height = p.header.height;
  i.channels = p.header.channels;
  i.kind = p.chunk.kind;
  i.probability_path = p.chunk.probability_path;
  i.lanes = p.chunk.lanes;
  i.n = p.chunk.n;
  i.m = p.chunk.m;
  i.z_bytes = static_cast<int64_t>(p.chunk.z.size());
  i.y_bytes = static_cast<int64_t>(p.chunk.y.size());
  i.stream_bytes = static_cast<int64_t>(stream.size());
  return i;
}

}  // namespace nmc::image
