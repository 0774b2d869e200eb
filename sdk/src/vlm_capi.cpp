// C ABI: nmc_vlm_* (see nmc/vlm.h) over vision::LlavaOnevisionModel / VlmSession.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "media/handles.h"
#include "nmc/vision/bpe_tokenizer.h"
#include "nmc/vision/vlm_session.h"
#include "nmc/vlm.h"

struct nmc_vlm_model {
  std::shared_ptr<const nmc::vision::LlavaOnevisionModel> model;
  std::optional<nmc::vision::BpeTokenizer> tokenizer;
  int32_t eos = -1;
};

struct nmc_vlm_session {
  nmc_context* ctx = nullptr;
  const nmc_vlm_model* model = nullptr;
  std::unique_ptr<nmc::vision::VlmSession> session;
};

using nmc::Status;
namespace vis = nmc::vision;
using nmc::media::copy_out;
using nmc::media::copy_settings;
using nmc::media::struct_size_ok;

namespace {

constexpr size_t kMaxVideoFrames = 1024;

vis::RgbView rgb_view(const nmc_image* img) {
  const auto& i = img->image;
  return {i.data(), i.width, i.height, static_cast<int64_t>(i.stride())};
}

Status check_rgb(const nmc_image* img, const char* what) {
  if (!img || !img->image.data()) return nmc::InvalidArgument(std::string(what) + " is null");
  if (img->image.channels != 3)
    return nmc::InvalidArgument(std::string(what) + " must be 8-bit RGB (3 channels), got " +
                                std::to_string(img->image.channels) + " channels");
  return Status::Ok();
}

// Length of the longest prefix of `s` that does not end inside a UTF-8
// sequence (a truncated tail is held back for the next token).
size_t complete_utf8_prefix(const std::string& s) {
  const size_t n = s.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: look further back
    const size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return len > back ? n - back : n;
  }
  return n;
}

// Frames of a video file: `frames` at uniformly spaced indices, or every 1/fps seconds.
Status read_video(nmc_context* ctx, const char* path, int32_t frames, double fps,
                  std::vector<nmc::media::Image>* out) {
  if (!path) return nmc::InvalidArgument("video path is null");
  if (frames < 0 || static_cast<size_t>(frames) > kMaxVideoFrames)
    return nmc::InvalidArgument("frames must be in [0, " + std::to_string(kMaxVideoFrames) + "]");
  if (frames == 0 && !(fps > 0.0 && std::isfinite(fps)))
    return nmc::InvalidArgument("give a frame count > 0 or a finite fps > 0");
  nmc::media::VideoReaderOptions opt;
  opt.fps = frames > 0 ? 0.0 : fps;
  if (ctx && ctx->allocator.alloc) opt.alloc = ctx->allocator;
  NMC_ASSIGN_OR_RETURN(auto reader, nmc::media::VideoReader::open(path, opt));
  std::vector<int64_t> want;  // frame indices, non-decreasing
  if (frames > 0) {
    const int64_t total = reader->info().num_frames;
    if (total < 1) return nmc::Unsupported(std::string(path) + ": frame count unknown; sample by fps instead");
    for (int32_t i = 0; i < frames; ++i)
      want.push_back(frames == 1 ? 0 : static_cast<int64_t>(static_cast<double>(total - 1) * i / (frames - 1)));
  }
  int64_t index = 0;
  size_t next = 0;
  std::optional<nmc::media::Image> last;
  while (frames == 0 || next < want.size()) {
    auto f = reader->read();
    if (!f.ok()) {
      if (f.status().code() == nmc::StatusCode::kEof) break;
      return f.status();
    }
    if (frames == 0) {
      if (out->size() == kMaxVideoFrames)
        return nmc::LimitExceeded(std::string(path) + ": more than " + std::to_string(kMaxVideoFrames) +
                                  " frames at this fps");
      out->push_back(std::move(f->image));
      continue;
    }
    while (next < want.size() && want[next] == index) {
      out->push_back(f->image);
      ++next;
    }
    last = std::move(f->image);
    ++index;
  }
  // A header that overstated the frame count: the last frame stands in for the missing ones.
  while (frames > 0 && out->size() < want.size() && last) out->push_back(*last);
  if (out->empty()) return nmc::InvalidData(std::string(path) + ": no video frames decoded");
  return Status::Ok();
}

}  // namespace

extern "C" {

void nmc_vlm_model_default_settings(nmc_vlm_model_settings* s) {
  if (!s) return;
  std::memset(s, 0, sizeof *s);
  s->struct_size = sizeof *s;
  s->precision = NMC_VLM_PRECISION_AUTO;
}

nmc_status nmc_vlm_model_open(nmc_context* ctx, const char* dir, const nmc_vlm_model_settings* settings,
                              nmc_vlm_model** out) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (!out) return nmc::InvalidArgument("out is null");
    *out = nullptr;
    if (!dir) return nmc::InvalidArgument("model folder is null");
    nmc_vlm_model_settings s;
    nmc_vlm_model_default_settings(&s);
    if (settings) {
      if (!struct_size_ok(settings->struct_size, offsetof(nmc_vlm_model_settings, reserved), sizeof s))
        return nmc::InvalidArgument("settings.struct_size does not match nmc_vlm_model_settings");
      copy_settings(&s, settings);
    }
    vis::WeightPrecision precision;
    switch (s.precision) {
      case NMC_VLM_PRECISION_AUTO: precision = vis::WeightPrecision::kAuto; break;
      case NMC_VLM_PRECISION_F32: precision = vis::WeightPrecision::kF32; break;
      case NMC_VLM_PRECISION_BF16: precision = vis::WeightPrecision::kBF16; break;
      default: return nmc::InvalidArgument("unknown precision " + std::to_string(static_cast<int>(s.precision)));
    }
    if (!std::filesystem::is_directory(dir)) return nmc::NotFound(std::string(dir) + " is not a folder");
    auto m = std::make_unique<nmc_vlm_model>();
    NMC_ASSIGN_OR_RETURN(m->model, vis::LlavaOnevisionModel::load(dir, precision));
    const std::string tok = std::string(dir) + "/tokenizer.json";
    if (std::filesystem::exists(tok)) {
      NMC_ASSIGN_OR_RETURN(vis::BpeTokenizer t, vis::BpeTokenizer::load(tok));
      if (t.vocab_size() > m->model->config().text.vocab_size)
        return nmc::InvalidData(tok + " has " + std::to_string(t.vocab_size()) + " ids, more than the model's " +
                                std::to_string(m->model->config().text.vocab_size));
      m->eos = t.token_id("<|im_end|>").value_or(-1);
      m->tokenizer = std::move(t);
    }
    *out = m.release();
    return Status::Ok();
  });
}

void nmc_vlm_model_free(nmc_vlm_model* model) { delete model; }

nmc_status nmc_vlm_model_get_info(const nmc_vlm_model* model, nmc_vlm_model_info* info) {
  if (!model || !info ||
      !struct_size_ok(info->struct_size, offsetof(nmc_vlm_model_info, reserved), sizeof(nmc_vlm_model_info)))
    return NMC_ERR_INVALID_ARGUMENT;
  const auto& m = *model->model;
  const auto& c = m.config();
  nmc_vlm_model_info o;
  std::memset(&o, 0, sizeof o);
  o.vocab_size = static_cast<int32_t>(c.text.vocab_size);
  o.hidden_size = static_cast<int32_t>(c.text.hidden_size);
  o.num_layers = static_cast<int32_t>(c.text.num_hidden_layers);
  o.vision_layers = static_cast<int32_t>(m.vision_layers());
  o.tile_size = static_cast<int32_t>(c.vision.image_size);
  o.tile_tokens = static_cast<int32_t>(m.tile_tokens());
  o.has_tokenizer = model->tokenizer ? 1 : 0;
  o.eos_token = model->eos;
  o.max_position_embeddings = c.text.max_position_embeddings;
  o.weight_bytes = m.weight_bytes();
  copy_out(info, o, info->struct_size);
  return NMC_OK;
}

void nmc_vlm_session_default_settings(nmc_vlm_session_settings* s) {
  if (!s) return;
  std::memset(s, 0, sizeof *s);
  s->struct_size = sizeof *s;
  const vis::VlmSessionSettings d;
  s->max_context = d.max_context;
  s->kv_page_tokens = static_cast<int32_t>(d.page_tokens);
  s->prefill_chunk = static_cast<int32_t>(d.prefill_chunk);
  s->max_image_pixels = d.max_image_pixels;
}

nmc_status nmc_vlm_session_create(nmc_context* ctx, nmc_vlm_model* model, const nmc_vlm_session_settings* settings,
                                  nmc_vlm_session** out) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (!out) return nmc::InvalidArgument("out is null");
    *out = nullptr;
    if (!ctx || !model) return nmc::InvalidArgument("context or model is null");
    if (ctx->backend_kind == NMC_BACKEND_CUDA)
      return Status(nmc::StatusCode::kBackendUnavailable, "the VLM runtime runs on the CPU backend only");
    nmc_vlm_session_settings s;
    nmc_vlm_session_default_settings(&s);
    if (settings) {
      if (!struct_size_ok(settings->struct_size, offsetof(nmc_vlm_session_settings, reserved), sizeof s))
        return nmc::InvalidArgument("settings.struct_size does not match nmc_vlm_session_settings");
      copy_settings(&s, settings);
    }
    vis::VlmSessionSettings vs;
    vs.max_context = s.max_context;
    vs.page_tokens = s.kv_page_tokens;
    vs.prefill_chunk = s.prefill_chunk;
    vs.max_image_pixels = s.max_image_pixels;
    auto h = std::make_unique<nmc_vlm_session>();
    h->ctx = ctx;
    h->model = model;
    NMC_ASSIGN_OR_RETURN(h->session, vis::VlmSession::create(model->model, ctx->exec(), vs));
    *out = h.release();
    return Status::Ok();
  });
}

void nmc_vlm_session_free(nmc_vlm_session* session) { delete session; }

#define NMC_VLM_GUARD(session, body)                                            \
  do {                                                                          \
    if (!(session)) return NMC_ERR_INVALID_ARGUMENT;                            \
    return nmc::sdk::guarded((session)->ctx, [&]() -> Status { body });         \
  } while (0)

nmc_status nmc_vlm_session_reset(nmc_vlm_session* session) {
  NMC_VLM_GUARD(session, session->session->reset(); return Status::Ok(););
}

nmc_status nmc_vlm_append_text(nmc_vlm_session* session, const char* utf8) {
  NMC_VLM_GUARD(session, {
    if (!utf8) return nmc::InvalidArgument("text is null");
    if (!session->model->tokenizer) return nmc::Unsupported("the model folder has no tokenizer.json");
    NMC_ASSIGN_OR_RETURN(auto ids, session->model->tokenizer->encode(utf8));
    return session->session->append_tokens(ids);
  });
}

nmc_status nmc_vlm_append_tokens(nmc_vlm_session* session, const int32_t* ids, size_t count) {
  NMC_VLM_GUARD(session, {
    if (!ids && count > 0) return nmc::InvalidArgument("ids is null");
    return session->session->append_tokens({ids, count});
  });
}

nmc_status nmc_vlm_append_image(nmc_vlm_session* session, const nmc_image* rgb) {
  NMC_VLM_GUARD(session, {
    NMC_RETURN_IF_ERROR(check_rgb(rgb, "image"));
    return session->session->append_image(rgb_view(rgb));
  });
}

nmc_status nmc_vlm_append_video_frames(nmc_vlm_session* session, const nmc_image* const* frames, size_t count) {
  NMC_VLM_GUARD(session, {
    if (!frames || count == 0 || count > kMaxVideoFrames)
      return nmc::InvalidArgument("give 1 to " + std::to_string(kMaxVideoFrames) + " frames");
    std::vector<vis::RgbView> views;
    for (size_t i = 0; i < count; ++i) {
      NMC_RETURN_IF_ERROR(check_rgb(frames[i], "video frame"));
      views.push_back(rgb_view(frames[i]));
    }
    return session->session->append_video(views);
  });
}

nmc_status nmc_vlm_append_video_file(nmc_vlm_session* session, const char* path, int32_t frames, double fps) {
  NMC_VLM_GUARD(session, {
    std::vector<nmc::media::Image> images;
    NMC_RETURN_IF_ERROR(read_video(session->ctx, path, frames, fps, &images));
    std::vector<vis::RgbView> views;
    for (const auto& i : images) views.push_back({i.data(), i.width, i.height, static_cast<int64_t>(i.stride())});
    return session->session->append_video(views);
  });
}

nmc_status nmc_vlm_prefill(nmc_vlm_session* session) {
  NMC_VLM_GUARD(session, return session->session->prefill(););
}

nmc_status nmc_vlm_last_logits(nmc_vlm_session* session, const float** logits, int32_t* vocab_size) {
  NMC_VLM_GUARD(session, {
    if (!logits || !vocab_size) return nmc::InvalidArgument("logits or vocab_size is null");
    const auto l = session->session->last_logits();
    if (l.empty()) return nmc::InvalidArgument("no logits yet: prefill first");
    *logits = l.data();
    *vocab_size = static_cast<int32_t>(l.size());
    return Status::Ok();
  });
}

void nmc_vlm_generate_default_settings(nmc_vlm_generate_settings* s) {
  if (!s) return;
  std::memset(s, 0, sizeof *s);
  s->struct_size = sizeof *s;
  s->max_new_tokens = 256;
  s->top_p = 1.0f;
  s->stop_at_eos = 1;
}

nmc_status nmc_vlm_generate(nmc_vlm_session* session, const nmc_vlm_generate_settings* settings,
                            nmc_vlm_token_callback callback, void* user, int32_t* generated) {
  NMC_VLM_GUARD(session, {
    if (generated) *generated = 0;
    nmc_vlm_generate_settings s;
    nmc_vlm_generate_default_settings(&s);
    if (settings) {
      if (!struct_size_ok(settings->struct_size, offsetof(nmc_vlm_generate_settings, reserved), sizeof s))
        return nmc::InvalidArgument("settings.struct_size does not match nmc_vlm_generate_settings");
      copy_settings(&s, settings);
    }
    if (!s.stop_tokens && s.num_stop_tokens > 0) return nmc::InvalidArgument("stop_tokens is null");
    vis::GenerateSettings g;
    g.max_new_tokens = s.max_new_tokens;
    g.sampling.temperature = s.temperature;
    g.sampling.top_k = s.top_k;
    g.sampling.top_p = s.top_p;
    g.sampling.seed = s.seed;
    if (s.num_stop_tokens > 0) g.stop_tokens.assign(s.stop_tokens, s.stop_tokens + s.num_stop_tokens);
    if (s.stop_at_eos && session->model->eos >= 0) g.stop_tokens.push_back(session->model->eos);
    const auto* tok = session->model->tokenizer ? &*session->model->tokenizer : nullptr;
    std::string held;  // bytes of a character not yet complete
    Status cb_status;
    auto on_token = [&](int32_t token) -> bool {
      if (!callback) return true;
      std::string text;
      if (tok) {
        auto bytes = tok->decode_bytes({&token, 1}, /*skip_special=*/true);
        if (bytes.ok()) held += *bytes;
        const size_t n = complete_utf8_prefix(held);
        text = held.substr(0, n);
        held.erase(0, n);
      }
      return callback(user, token, text.data(), text.size()) == 0;
    };
    NMC_ASSIGN_OR_RETURN(auto tokens, session->session->generate(g, on_token));
    if (generated) *generated = static_cast<int32_t>(tokens.size());
    return Status::Ok();
  });
}

nmc_status nmc_vlm_session_get_stats(const nmc_vlm_session* session, nmc_vlm_stats* stats) {
  if (!session || !stats || !struct_size_ok(stats->struct_size, offsetof(nmc_vlm_stats, reserved), sizeof *stats))
    return NMC_ERR_INVALID_ARGUMENT;
  const vis::VlmStats v = session->session->stats();
  nmc_vlm_stats o;
  std::memset(&o, 0, sizeof o);
  o.context_tokens = v.context_tokens;
  o.pending_tokens = v.pending_tokens;
  o.vision_tokens = v.vision_tokens;
  o.prefill_tokens = v.prefill_tokens;
  o.decode_tokens = v.decode_tokens;
  o.kv_bytes = v.kv_bytes;
  o.vision_ms = v.vision_ms;
  o.prefill_ms = v.prefill_ms;
  o.decode_ms = v.decode_ms;
  copy_out(stats, o, stats->struct_size);
  return NMC_OK;
}

}  // extern "C"
