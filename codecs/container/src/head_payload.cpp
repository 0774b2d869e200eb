// HEAD payload encoding and decoding (layout in head_payload.h and
// docs/bitstream.md, "HEAD").
#include "head_payload.h"

#include <string>

#include "byte_io.h"
#include "nmc/codecs/container/header.h"

namespace nmc::container::detail {

namespace {
constexpr size_t kNameLengthOffset = 80;
}  // namespace

void encode_head_payload(const Header& h, std::vector<uint8_t>& out) {
  append_le<uint16_t>(out, kVersionMajor);
  append_le<uint16_t>(out, kVersionMinor);
  append_le<uint8_t>(out, static_cast<uint8_t>(h.modality));
  append_le<uint8_t>(out, h.bit_depth);
  append_le<uint16_t>(out, h.channels);
  append_le<uint32_t>(out, h.flags);
  append_le<uint32_t>(out, h.width);
  append_le<uint32_t>(out, h.height);
  append_le<uint32_t>(out, h.sample_rate);
  append_le<uint32_t>(out, h.frame_rate.num);
  append_le<uint32_t>(out, h.frame_rate.den);
  append_le<uint64_t>(out, h.frame_count);
  append_le<uint64_t>(out, h.sample_count);
  out.insert(out.end(), h.weights_sha256.begin(), h.weights_sha256.end());
  append_le<uint8_t>(out, static_cast<uint8_t>(h.model_name.size()));
  out.insert(out.end(), h.model_name.begin(), h.model_name.end());
}

Status decode_head_payload(std::span<const uint8_t> payload, const Limits& limits, Stream* stream) {
  const size_t size = payload.size();
  if (size < 4) return InvalidData("HEAD payload of " + std::to_string(size) + " bytes is too short for a version");
  const uint8_t* p = payload.data();
  const uint16_t major = load_le<uint16_t>(p);
  const uint16_t minor = load_le<uint16_t>(p + 2);
  if (major != kVersionMajor)
    return Unsupported("format version " + std::to_string(major) + "." + std::to_string(minor) +
                       ": this reader supports major version " + std::to_string(kVersionMajor) + " only");
  if (size > kMaxHeadPayloadBytes)
    return InvalidData("HEAD payload of " + std::to_string(size) + " bytes is over the format maximum of " +
                       std::to_string(kMaxHeadPayloadBytes));
  if (size < kHeadFixedBytes)
    return InvalidData("HEAD payload of " + std::to_string(size) + " bytes is shorter than the " +
                       std::to_string(kHeadFixedBytes) + " fixed bytes of format 1.0");
  const size_t name_length = p[kNameLengthOffset];
  if (name_length > size - kHeadFixedBytes)
    return InvalidData("model name length " + std::to_string(name_length) + " runs past the HEAD payload (" +
                       std::to_string(size - kHeadFixedBytes) + " bytes left)");
  const size_t known = kHeadFixedBytes + name_length;
  if (minor <= kVersionMinor && size != known)
    return InvalidData("HEAD payload has " + std::to_string(size - known) + " bytes after the model name; format " +
                       std::to_string(major) + "." + std::to_string(minor) + " defines none");

  // Modality is range-checked here because the enum must hold a defined value.
  const uint8_t modality = p[4];
  if (modality < 1 || modality > 3)
    return InvalidData("modality " + std::to_string(modality) + " is not 1 (image), 2 (audio) or 3 (video)");

  Header& h = stream->header;
  h.modality = static_cast<Modality>(modality);
  h.bit_depth = p[5];
  h.channels = load_le<uint16_t>(p + 6);
  h.flags = load_le<uint32_t>(p + 8);
  h.width = load_le<uint32_t>(p + 12);
  h.height = load_le<uint32_t>(p + 16);
  h.sample_rate = load_le<uint32_t>(p + 20);
  h.frame_rate.num = load_le<uint32_t>(p + 24);
  h.frame_rate.den = load_le<uint32_t>(p + 28);
  h.frame_count = load_le<uint64_t>(p + 32);
  h.sample_count = load_le<uint64_t>(p + 40);
  for (size_t i = 0; i < 32; ++i) h.weights_sha256[i] = p[48 + i];
  // The length was checked against the payload, and the name bound is checked
  // before this copy, so the allocation is at most kMaxModelNameBytes.
  if (name_length > kMaxModelNameBytes)
    return InvalidData("model name of " + std::to_string(name_length) + " bytes is over the maximum of " +
                       std::to_string(kMaxModelNameBytes));
  h.model_name.assign(reinterpret_cast<const char*>(p + kHeadFixedBytes), name_length);
  stream->version = {major, minor};
  stream->head_extension = payload.subspan(known);
  return validate_header(h, limits);
}

}  // namespace nmc::container::detail
