#include "nmc/vision/vlm_session.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

#include "nmc/vision/image_resize.h"
#include "nmc/vision/llava_onevision_features.h"
#include "nmc/vision/llava_onevision_layout.h"

namespace nmc::vision {

namespace {

constexpr int64_t kTileBatch = 4;  // tiles per vision-tower pass (bounds activation memory)

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

Status check_view(const RgbView& v, const char* what) {
  if (!v.data || v.width < 1 || v.height < 1 || v.stride < v.width * 3)
    return InvalidArgument(std::string(what) + " is empty, null or has a bad row stride");
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<VlmSession>> VlmSession::create(std::shared_ptr<const LlavaOnevisionModel> model,
                                                       const Exec& exec, const VlmSessionSettings& settings) {
  if (!model) return InvalidArgument("session: no model");
  const int64_t limit = model->config().text.max_position_embeddings;
  if (settings.max_context < 1 || settings.max_context > limit)
    return InvalidArgument("session: max_context must be in [1, " + std::to_string(limit) +
                           "] (the model's max_position_embeddings)");
  if (settings.page_tokens < 1 || settings.prefill_chunk < 1 || settings.max_image_pixels < 1)
    return InvalidArgument("session: page_tokens, prefill_chunk and max_image_pixels must be positive");
  std::unique_ptr<VlmSession> s(new VlmSession());
  s->model_ = std::move(model);
  s->buffers_ = std::make_unique<HostBufferPool>(settings.max_retained_buffer_bytes);
  s->exec_ = exec;
  s->exec_.buffers = s->buffers_.get();
  s->settings_ = settings;
  NMC_ASSIGN_OR_RETURN(s->cache_, s->model_->new_kv_cache(settings.max_context, settings.page_tokens));
  return s;
}

Status VlmSession::check_room(int64_t tokens) const {
  const int64_t used = cache_.tokens() + pending_tokens_;
  if (tokens > settings_.max_context - used)
    return LimitExceeded("context overflow: " + std::to_string(used) + " tokens + " + std::to_string(tokens) +
                         " new exceed max_context " + std::to_string(settings_.max_context));
  return Status::Ok();
}

Status VlmSession::append_tokens(std::span<const int32_t> ids) {
  const int64_t vocab = model_->config().text.vocab_size;
  for (int32_t id : ids)
    if (id < 0 || id >= vocab)
      return InvalidArgument("token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                             std::to_string(vocab) + ")");
  NMC_RETURN_IF_ERROR(check_room(static_cast<int64_t>(ids.size())));
  if (ids.empty()) return Status::Ok();
  Segment s;
  s.ids.assign(ids.begin(), ids.end());
  pending_tokens_ += s.size();
  pending_.push_back(std::move(s));
  return Status::Ok();
}

Status VlmSession::append_media(Tensor features) {
  NMC_RETURN_IF_ERROR(check_room(features.dim(0)));
  stats_.vision_tokens += features.dim(0);
  Segment s;
  s.features = std::move(features);
  pending_tokens_ += s.size();
  pending_.push_back(std::move(s));
  return Status::Ok();
}

Result<Tensor> VlmSession::encode_in_batches(const Tensor& tiles) {
  // tiles [N, 3, S, S] -> [N, grid^2, hidden], kTileBatch tiles per vision-tower pass.
  const int64_t n = tiles.dim(0), t = model_->tile_tokens(), c = model_->config().text.hidden_size;
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::uninitialized({n, t, c}, DType::kF32));
  for (int64_t b = 0; b < n; b += kTileBatch) {
    NMC_ASSIGN_OR_RETURN(Tensor part, tiles.slice(0, b, std::min(n, b + kTileBatch)));
    NMC_ASSIGN_OR_RETURN(Tensor f, model_->encode_tiles(exec_, part));
    std::memcpy(out.data<float>() + b * t * c, f.data<float>(), f.nbytes());
  }
  return out;
}

Status VlmSession::append_image(const RgbView& image) {
  NMC_RETURN_IF_ERROR(check_view(image, "image"));
  if (image.width > settings_.max_image_pixels / image.height)
    return LimitExceeded("image of " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                         " pixels exceeds max_image_pixels " + std::to_string(settings_.max_image_pixels));
  const auto& cfg = model_->config();
  NMC_ASSIGN_OR_RETURN(AnyresLayout layout, anyres_layout(cfg, image.height, image.width));
  NMC_RETURN_IF_ERROR(check_room(layout.tokens));
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t tile = cfg.vision.image_size;
  NMC_ASSIGN_OR_RETURN(RgbImage resized, resize_rgb(image, layout.resized_width, layout.resized_height));
  NMC_ASSIGN_OR_RETURN(RgbImage base, resize_rgb(image, tile, tile));
  NMC_ASSIGN_OR_RETURN(Tensor tiles, anyres_pixel_values(layout, tile, resized.view(), base.view()));
  NMC_ASSIGN_OR_RETURN(Tensor proj, encode_in_batches(tiles));
  NMC_ASSIGN_OR_RETURN(Tensor features,
                       pack_image_features(exec_, layout, cfg.vision.grid(), proj, model_->image_newline()));
  stats_.vision_ms += ms_since(t0);
  return append_media(std::move(features));
}

Status VlmSession::append_video(std::span<const RgbView> frames) {
  if (frames.empty()) return InvalidArgument("video has no frames");
  for (const auto& f : frames) NMC_RETURN_IF_ERROR(check_view(f, "video frame"));
  const auto& cfg = model_->config();
  NMC_RETURN_IF_ERROR(check_room(video_tokens(cfg, static_cast<int64_t>(frames.size()))));
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t tile = cfg.vision.image_size;
  const int64_t n = static_cast<int64_t>(frames.size());
  NMC_ASSIGN_OR_RETURN(Tensor tiles, Tensor::uninitialized({n, 3, tile, tile}, DType::kF32));
  for (int64_t i = 0; i < n; ++i) {
    NMC_ASSIGN_OR_RETURN(RgbImage squashed, resize_rgb(frames[static_cast<size_t>(i)], tile, tile));
    NMC_ASSIGN_OR_RETURN(Tensor one, frame_pixel_values(tile, squashed.view()));
    std::memcpy(tiles.data<float>() + i * one.numel(), one.data<float>(), one.nbytes());
  }
  NMC_ASSIGN_OR_RETURN(Tensor per_frame, encode_in_batches(tiles));
  NMC_ASSIGN_OR_RETURN(Tensor features,
                       pack_video_features(exec_, cfg.vision.grid(), per_frame, model_->image_newline()));
  stats_.vision_ms += ms_since(t0);
  return append_media(std::move(features));
}

Status VlmSession::run(const Tensor& embeds, bool want_logits) {
  const int64_t t = embeds.dim(0), c = embeds.dim(1), start = cache_.tokens();
  std::vector<float> pos(static_cast<size_t>(t));
  for (int64_t i = 0; i < t; ++i) pos[static_cast<size_t>(i)] = static_cast<float>(start + i);
  const Tensor positions = Tensor::wrap(pos.data(), {t}, DType::kF32);
  NMC_ASSIGN_OR_RETURN(Tensor x, embeds.reshape({1, t, c}));
  NMC_RETURN_IF_ERROR(cache_.reserve(t));
  Status st = model_->text().forward(exec_, x, &positions, &cache_);
  if (!st.ok()) {
    (void)cache_.truncate(cache_.tokens());  // releases the pages reserved for this pass
    return st;
  }
  NMC_RETURN_IF_ERROR(cache_.commit(t));
  if (!want_logits) return Status::Ok();
  NMC_ASSIGN_OR_RETURN(Tensor last, x.reshape({t, c}));
  NMC_ASSIGN_OR_RETURN(last, last.slice(0, t - 1, t));
  NMC_ASSIGN_OR_RETURN(Tensor normed, Tensor::uninitialized({1, c}, DType::kF32));
  NMC_RETURN_IF_ERROR(model_->final_norm(exec_, last, normed));
  const int64_t vocab = model_->config().text.vocab_size;
  logits_.resize(static_cast<size_t>(vocab));
  Tensor out = Tensor::wrap(logits_.data(), {1, vocab}, DType::kF32);
  return model_->logits(exec_, normed, out);
}

Status VlmSession::prefill() {
  if (pending_tokens_ == 0) return Status::Ok();
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t c = model_->config().text.hidden_size;
  NMC_ASSIGN_OR_RETURN(Tensor embeds, Tensor::uninitialized({pending_tokens_, c}, DType::kF32));
  int64_t row = 0;
  for (const auto& s : pending_) {
    if (s.features.defined()) {
      std::memcpy(embeds.data<float>() + row * c, s.features.data<float>(), s.features.nbytes());
    } else {
      NMC_ASSIGN_OR_RETURN(Tensor e, model_->embed(exec_, s.ids));
      std::memcpy(embeds.data<float>() + row * c, e.data<float>(), e.nbytes());
    }
    row += s.size();
  }
  for (int64_t b = 0; b < row; b += settings_.prefill_chunk) {
    const int64_t e = std::min(row, b + settings_.prefill_chunk);
    NMC_ASSIGN_OR_RETURN(Tensor chunk, embeds.slice(0, b, e));
    Status st = run(chunk, e == row);
    if (!st.ok()) {
      // Keep the session consistent: drop what this prefill added to the cache.
      (void)cache_.truncate(cache_.tokens() - (b));
      return st;
    }
  }
  stats_.prefill_tokens += row;
  pending_.clear();
  pending_tokens_ = 0;
  stats_.prefill_ms += ms_since(t0);
  return Status::Ok();
}

Result<std::vector<int32_t>> VlmSession::generate(const GenerateSettings& settings, const TokenCallback& on_token) {
  if (settings.max_new_tokens < 0) return InvalidArgument("generate: max_new_tokens must be >= 0");
  NMC_ASSIGN_OR_RETURN(TokenSampler sampler, TokenSampler::create(settings.sampling));
  NMC_RETURN_IF_ERROR(prefill());
  if (logits_.empty()) return InvalidArgument("generate: nothing to continue from (append input first)");
  std::vector<int32_t> out;
  while (static_cast<int64_t>(out.size()) < settings.max_new_tokens) {
    NMC_ASSIGN_OR_RETURN(int32_t token, sampler.next(logits_));
    out.push_back(token);
    const bool stop = std::find(settings.stop_tokens.begin(), settings.stop_tokens.end(), token) !=
                      settings.stop_tokens.end();
    const bool more = on_token ? on_token(token) : true;
    if (stop || !more || static_cast<int64_t>(out.size()) == settings.max_new_tokens ||
        cache_.tokens() >= settings_.max_context) {
      // The last token joins the context with the next input, if the context has room.
      if (cache_.tokens() < settings_.max_context) NMC_RETURN_IF_ERROR(append_tokens({&token, 1}));
      break;
    }
    const auto t0 = std::chrono::steady_clock::now();
    NMC_ASSIGN_OR_RETURN(Tensor e, model_->embed(exec_, {&token, 1}));
    NMC_RETURN_IF_ERROR(run(e, true));
    stats_.decode_tokens += 1;
    stats_.decode_ms += ms_since(t0);
  }
  return out;
}

void VlmSession::reset() {
  cache_.clear();
  pending_.clear();
  pending_tokens_ = 0;
  logits_.clear();
  stats_ = {};
}

VlmStats VlmSession::stats() const {
  VlmStats s = stats_;
  s.context_tokens = cache_.tokens();
  s.pending_tokens = pending_tokens_;
  s.kv_bytes = cache_.bytes();
  return s;
}

}  // namespace nmc::vision
