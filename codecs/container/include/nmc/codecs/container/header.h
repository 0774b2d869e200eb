// Validation of a stream header against the format rules and a Limits.
// Used by the parser (after decoding HEAD) and by the writer (before encoding),
// so a stream the writer accepts parses under the same Limits.
#pragma once

#include "nmc/codecs/container/format.h"
#include "nmc/kernels/status.h"

namespace nmc::container {

// Checks every header field:
//   kInvalidData: modality not 1..3, model name empty / too long / not UTF-8 /
//     containing control characters, zero width/height/channels/bit_depth where
//     the modality needs them, bit_depth over 16 (image, video) or 32 (audio),
//     zero sample rate (audio), zero frame-rate numerator or denominator (video),
//     a non-zero field the modality does not use;
//   kUnsupported: a critical flag bit (0-15) this version does not define;
//   kLimitExceeded: dimension, pixels, channels, sample rate, frame rate or
//     duration over `limits`.
// The message names the field and its value.
Status validate_header(const Header& header, const Limits& limits);

// True when `name` is well-formed UTF-8 (no overlong forms, surrogates or code
// points above U+10FFFF) without C0/C1 control characters or DEL.
bool is_printable_utf8(std::string_view name);

}  // namespace nmc::container
