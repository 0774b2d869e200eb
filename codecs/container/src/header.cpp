// Header validation (docs/bitstream.md, "Field rules" and "Limits").
#include "nmc/codecs/container/header.h"

#include <cstdio>
#include <string>

namespace nmc::container {

namespace {

using u128 = unsigned __int128;

std::string num(uint64_t v) { return std::to_string(v); }

// A field the modality does not use must be zero.
Status require_zero(const Header& h, const char* field, uint64_t value) {
  if (value == 0) return Status::Ok();
  return InvalidData(std::string(field) + " is " + num(value) + "; " + modality_name(h.modality) +
                     " streams must leave it 0");
}

Status require_nonzero(const Header& h, const char* field, uint64_t value) {
  if (value != 0) return Status::Ok();
  return InvalidData(std::string(field) + " is 0; " + modality_name(h.modality) + " streams need a value");
}

Status check_picture(const Header& h, const Limits& limits) {
  NMC_RETURN_IF_ERROR(require_nonzero(h, "width", h.width));
  NMC_RETURN_IF_ERROR(require_nonzero(h, "height", h.height));
  if (h.bit_depth > 16) return InvalidData("bit_depth " + num(h.bit_depth) + " is over 16 for pictures");
  if (h.width > limits.max_dimension || h.height > limits.max_dimension)
    return LimitExceeded("dimensions " + num(h.width) + "x" + num(h.height) + " are over the limit of " +
                         num(limits.max_dimension) + " pixels a side");
  const uint64_t pixels = uint64_t{h.width} * h.height;
  if (pixels > limits.max_pixels)
    return LimitExceeded("dimensions " + num(h.width) + "x" + num(h.height) + " make " + num(pixels) +
                         " pixels, over the limit of " + num(limits.max_pixels));
  return Status::Ok();
}

Status check_audio(const Header& h, const Limits& limits) {
  NMC_RETURN_IF_ERROR(require_zero(h, "width", h.width));
  NMC_RETURN_IF_ERROR(require_zero(h, "height", h.height));
  NMC_RETURN_IF_ERROR(require_zero(h, "frame_rate.num", h.frame_rate.num));
  NMC_RETURN_IF_ERROR(require_zero(h, "frame_rate.den", h.frame_rate.den));
  NMC_RETURN_IF_ERROR(require_zero(h, "frame_count", h.frame_count));
  NMC_RETURN_IF_ERROR(require_nonzero(h, "sample_rate", h.sample_rate));
  if (h.bit_depth > 32) return InvalidData("bit_depth " + num(h.bit_depth) + " is over 32 for audio");
  if (h.sample_rate > limits.max_sample_rate)
    return LimitExceeded("sample_rate " + num(h.sample_rate) + " Hz is over the limit of " +
                         num(limits.max_sample_rate) + " Hz");
  // duration = sample_count / sample_rate seconds, compared exactly.
  if (u128{h.sample_count} > u128{limits.max_duration_seconds} * h.sample_rate)
    return LimitExceeded("sample_count " + num(h.sample_count) + " at " + num(h.sample_rate) +
                         " Hz lasts over the limit of " + num(limits.max_duration_seconds) + " seconds");
  return Status::Ok();
}

Status check_video(const Header& h, const Limits& limits) {
  NMC_RETURN_IF_ERROR(require_zero(h, "sample_rate", h.sample_rate));
  NMC_RETURN_IF_ERROR(require_zero(h, "sample_count", h.sample_count));
  NMC_RETURN_IF_ERROR(require_nonzero(h, "frame_rate.num", h.frame_rate.num));
  if (h.frame_rate.den == 0) return InvalidData("frame_rate " + num(h.frame_rate.num) + "/0 has a zero denominator");
  NMC_RETURN_IF_ERROR(check_picture(h, limits));
  const std::string rate = num(h.frame_rate.num) + "/" + num(h.frame_rate.den);
  if (uint64_t{h.frame_rate.num} > uint64_t{limits.max_frame_rate} * h.frame_rate.den)
    return LimitExceeded("frame_rate " + rate + " is over the limit of " + num(limits.max_frame_rate) + " fps");
  // duration = frame_count * den / num seconds, compared exactly.
  if (u128{h.frame_count} * h.frame_rate.den > u128{limits.max_duration_seconds} * h.frame_rate.num)
    return LimitExceeded("frame_count " + num(h.frame_count) + " at " + rate + " fps lasts over the limit of " +
                         num(limits.max_duration_seconds) + " seconds");
  return Status::Ok();
}

// Length of the UTF-8 sequence starting with `lead`, 0 when `lead` cannot
// start one.
size_t utf8_sequence_length(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;  // continuation byte, overlong lead C0/C1, or F5..FF
}

}  // namespace

bool is_printable_utf8(std::string_view name) {
  const auto* s = reinterpret_cast<const uint8_t*>(name.data());
  const size_t n = name.size();
  for (size_t i = 0; i < n;) {
    const size_t len = utf8_sequence_length(s[i]);
    if (len == 0 || len > n - i) return false;
    uint32_t cp = len == 1 ? s[i] : s[i] & (0x7Fu >> len);
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3Fu);
    }
    static constexpr uint32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (len > 1 && cp < kMinForLength[len]) return false;  // overlong
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return false;  // C0, DEL, C1
    i += len;
  }
  return true;
}

Status validate_header(const Header& h, const Limits& limits) {
  const auto modality = static_cast<uint8_t>(h.modality);
  if (modality < 1 || modality > 3)
    return InvalidData("modality " + num(modality) + " is not 1 (image), 2 (audio) or 3 (video)");
  if (h.model_name.empty()) return InvalidData("model name is empty");
  if (h.model_name.size() > kMaxModelNameBytes)
    return InvalidData("model name of " + num(h.model_name.size()) + " bytes is over the maximum of " +
                       num(kMaxModelNameBytes));
  if (!is_printable_utf8(h.model_name))
    return InvalidData("model name is not UTF-8 text without control characters");
  const uint32_t unknown_critical = h.flags & kCriticalFlagMask & ~kKnownFlags;
  if (unknown_critical != 0)
    return Unsupported("header flags 0x" + [&] {
      char buf[9];
      std::snprintf(buf, sizeof(buf), "%08X", h.flags);
      return std::string(buf);
    }() + " set critical bits this reader does not know");
  NMC_RETURN_IF_ERROR(require_nonzero(h, "channels", h.channels));
  NMC_RETURN_IF_ERROR(require_nonzero(h, "bit_depth", h.bit_depth));
  if (h.channels > limits.max_channels)
    return LimitExceeded("channels " + num(h.channels) + " is over the limit of " + num(limits.max_channels));
  switch (h.modality) {
    case Modality::kImage:
      NMC_RETURN_IF_ERROR(require_zero(h, "sample_rate", h.sample_rate));
      NMC_RETURN_IF_ERROR(require_zero(h, "frame_rate.num", h.frame_rate.num));
      NMC_RETURN_IF_ERROR(require_zero(h, "frame_rate.den", h.frame_rate.den));
      NMC_RETURN_IF_ERROR(require_zero(h, "frame_count", h.frame_count));
      NMC_RETURN_IF_ERROR(require_zero(h, "sample_count", h.sample_count));
      return check_picture(h, limits);
    case Modality::kAudio: return check_audio(h, limits);
    case Modality::kVideo: return check_video(h, limits);
  }
  return Status::Ok();
}

}  // namespace nmc::container
