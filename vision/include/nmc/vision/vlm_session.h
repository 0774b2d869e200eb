// VlmSession: one conversation with a LlavaOnevisionModel -- its KV cache, the
// input waiting to be prefilled, the last logits and statistics. Several
// sessions may share one model (its weights are read-only).
//
// Input is appended in order: token ids, images (anyres tiles, unpadded,
// image_newline per row, base tile first) and videos (frames squashed to one
// tile, 2x2-bilinear pooled, one trailing image_newline). Media are encoded
// when appended; their feature rows take the places of the placeholder tokens
// the Hugging Face processor would insert, so no placeholder ids are appended.
// prefill() runs everything pending through the decoder in chunks (bounded
// activation memory) at positions context .. context + n - 1; generate()
// prefills first if needed, then decodes.
//
// Positions are floats (plain 0, 1, 2, ... here); later position schemes
// (V2PE) can assign fractional ones per token.
//
// Thread rules: one thread at a time per session; sessions are independent.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "nmc/kernels/buffer_pool.h"
#include "nmc/kernels/kv_cache.h"
#include "nmc/vision/llava_onevision_model.h"
#include "nmc/vision/llava_onevision_pixels.h"
#include "nmc/vision/token_sampler.h"

namespace nmc::vision {

struct VlmSessionSettings {
  int64_t max_context = 8192;   // tokens (prompt, media and generated); <= the model's max_position_embeddings
  int64_t page_tokens = 256;    // KV cache page size
  int64_t prefill_chunk = 512;  // tokens per decoder pass during prefill
  int64_t max_image_pixels = int64_t{64} << 20;  // larger images are refused before any work
  size_t max_retained_buffer_bytes = size_t{512} << 20;  // activation buffers kept between passes
};

struct GenerateSettings {
  int64_t max_new_tokens = 256;
  std::vector<int32_t> stop_tokens;  // generation ends after emitting one of these
  SamplingSettings sampling;
};

struct VlmStats {
  int64_t context_tokens = 0;  // tokens in the KV cache
  int64_t pending_tokens = 0;  // appended, not yet prefilled
  int64_t vision_tokens = 0;   // feature tokens of all media appended
  int64_t prefill_tokens = 0, decode_tokens = 0;
  uint64_t kv_bytes = 0;
  double vision_ms = 0, prefill_ms = 0, decode_ms = 0;
};

class VlmSession {
 public:
  // Called with each generated token; return false to stop.
  using TokenCallback = std::function<bool(int32_t token)>;

  static Result<std::unique_ptr<VlmSession>> create(std::shared_ptr<const LlavaOnevisionModel> model,
                                                    const Exec& exec, const VlmSessionSettings& settings);

  const LlavaOnevisionModel& model() const { return *model_; }

  // kInvalidArgument for ids outside the vocabulary; kLimitExceeded when the
  // context would overflow. On error nothing is appended.
  Status append_tokens(std::span<const int32_t> ids);
  // An 8-bit RGB image of any size (anyres).
  Status append_image(const RgbView& image);
  // Video frames in time order (each of any size; at least one).
  Status append_video(std::span<const RgbView> frames);
  // Runs the pending input through the decoder; afterwards last_logits() are
  // the next-token logits. A no-op without pending input.
  Status prefill();
  // Logits after the last prefilled or generated token (empty before any).
  std::span<const float> last_logits() const { return logits_; }
  // Generates up to max_new_tokens tokens (fewer at a stop token, when the
  // callback returns false or at the context limit, which is not an error once
  // a token was produced). Returns the tokens generated.
  Result<std::vector<int32_t>> generate(const GenerateSettings& settings, const TokenCallback& on_token = {});
  // Forgets the conversation (cache, pending input, logits); statistics restart.
  void reset();

  VlmStats stats() const;

 private:
  struct Segment {
    std::vector<int32_t> ids;  // text, or empty for media
    Tensor features;           // [n, hidden] for media
    int64_t size() const { return features.defined() ? features.dim(0) : static_cast<int64_t>(ids.size()); }
  };
  VlmSession() = default;
  Status check_room(int64_t tokens) const;
  Status append_media(Tensor features);
  Status run(const Tensor& embeds, bool want_logits);  // embeds [T, hidden] at the next positions
  Result<Tensor> encode_in_batches(const Tensor& tiles);  // vision tower + projector, a few tiles at a time

  std::shared_ptr<const LlavaOnevisionModel> model_;
  // Activation buffers reused across passes (no fresh pages to fault); before
  // exec_ so that it outlives every tensor the session holds.
  std::unique_ptr<HostBufferPool> buffers_;
  Exec exec_;
  VlmSessionSettings settings_;
  KvCache cache_;
  std::vector<Segment> pending_;
  int64_t pending_tokens_ = 0;
  std::vector<float> logits_;
  VlmStats stats_;
};

}  // namespace nmc::vision
