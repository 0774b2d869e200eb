// The HEAD chunk payload: encoding a Header and decoding it back.
// Layout (format 1.0, little-endian, offsets in bytes):
//    0 u16 version_major   2 u16 version_minor   4 u8 modality   5 u8 bit_depth
//    6 u16 channels        8 u32 flags          12 u32 width    16 u32 height
//   20 u32 sample_rate    24 u32 frame_rate.num 28 u32 frame_rate.den
//   32 u64 frame_count    40 u64 sample_count   48 u8[32] weights_sha256
//   80 u8 model_name_length (n)                 81 u8[n] model_name
//   81+n: fields of later minor versions (absent in 1.0)
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nmc/codecs/container/format.h"
#include "nmc/codecs/container/stream.h"
#include "nmc/kernels/status.h"

namespace nmc::container::detail {

// Appends the 1.0 HEAD payload of `header` to `out`. The header must have
// passed validate_header (the model name fits its u8 length).
void encode_head_payload(const Header& header, std::vector<uint8_t>& out);

// Decodes a HEAD payload into stream->version, ->header and ->head_extension
// (a view into `payload`), then validates the header against `limits`.
// kUnsupported for a major version other than kVersionMajor (checked before
// anything else, since later majors may lay HEAD out differently).
Status decode_head_payload(std::span<const uint8_t> payload, const Limits& limits, Stream* stream);

}  // namespace nmc::container::detail
