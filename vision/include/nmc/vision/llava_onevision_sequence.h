// The language model's input sequence: text token ids with one placeholder per
// image / video (config.image_token_index / video_token_index) expanded into as
// many placeholder positions as the medium has feature tokens, as the Hugging
// Face processor does. Positions are plain 0..S-1 (float, so that later
// position schemes such as V2PE can assign fractional ones).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nmc/kernels/status.h"
#include "nmc/vision/llava_onevision_config.h"

namespace nmc::vision {

struct MediaSpan {
  bool video = false;
  int64_t begin = 0;  // first position of the medium's tokens
  int64_t count = 0;  // its number of feature tokens
};

struct InputSequence {
  std::vector<int32_t> ids;
  std::vector<float> positions;
  std::vector<MediaSpan> media;  // in sequence order
};

// ids: text ids with one placeholder per medium; image_tokens / video_tokens: the
// feature-token counts of the images and videos in the order their placeholders
// appear (anyres_layout(...).tokens, video_tokens(...)). kInvalidArgument when the
// placeholder counts differ from the media given, a count is < 1, or the sequence
// would exceed max_tokens.
Result<InputSequence> expand_media_placeholders(const LlavaOnevisionConfig& config, std::span<const int32_t> ids,
                                                std::span<const int64_t> image_tokens,
                                                std::span<const int64_t> video_tokens, int64_t max_tokens);

}  // namespace nmc::vision
