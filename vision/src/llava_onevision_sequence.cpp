#include "nmc/vision/llava_onevision_sequence.h"

#include <string>

namespace nmc::vision {

Result<InputSequence> expand_media_placeholders(const LlavaOnevisionConfig& c, std::span<const int32_t> ids,
                                                std::span<const int64_t> image_tokens,
                                                std::span<const int64_t> video_tokens, int64_t max_tokens) {
  size_t n_images = 0, n_videos = 0;
  int64_t total = 0;
  for (int32_t id : ids) {
    if (id == c.image_token_index) {
      if (n_images >= image_tokens.size())
        return InvalidArgument("input sequence: more image placeholders than images (" +
                               std::to_string(image_tokens.size()) + ")");
      const int64_t n = image_tokens[n_images++];
      if (n < 1) return InvalidArgument("input sequence: an image has no feature tokens");
      total += n;
    } else if (id == c.video_token_index) {
      if (n_videos >= video_tokens.size())
        return InvalidArgument("input sequence: more video placeholders than videos (" +
                               std::to_string(video_tokens.size()) + ")");
      const int64_t n = video_tokens[n_videos++];
      if (n < 1) return InvalidArgument("input sequence: a video has no feature tokens");
      total += n;
    } else {
      if (id < 0 || id >= c.text.vocab_size)
        return InvalidArgument("input sequence: token id " + std::to_string(id) + " is outside the vocabulary");
      total += 1;
    }
    if (total > max_tokens)
      return InvalidArgument("input sequence: more than " + std::to_string(max_tokens) + " tokens");
  }
  if (n_images != image_tokens.size() || n_videos != video_tokens.size())
    return InvalidArgument("input sequence: " + std::to_string(n_images) + " image and " + std::to_string(n_videos) +
                           " video placeholders for " + std::to_string(image_tokens.size()) + " images and " +
                           std::to_string(video_tokens.size()) + " videos");
  InputSequence s;
  s.ids.reserve(static_cast<size_t>(total));
  size_t next_image = 0, next_video = 0;
  for (int32_t id : ids) {
    const bool image = id == c.image_token_index, video = id == c.video_token_index;
    if (!image && !video) {
      s.ids.push_back(id);
      continue;
    }
    const int64_t n = image ? image_tokens[next_image++] : video_tokens[next_video++];
    s.media.push_back(MediaSpan{video, static_cast<int64_t>(s.ids.size()), n});
    s.ids.insert(s.ids.end(), static_cast<size_t>(n), id);
  }
  s.positions.resize(s.ids.size());
  for (size_t i = 0; i < s.positions.size(); ++i) s.positions[i] = static_cast<float>(i);
  return s;
}

}  // namespace nmc::vision
