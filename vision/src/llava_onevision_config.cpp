#include "nmc/vision/llava_onevision_config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "nmc/kernels/json_file.h"

namespace nmc::vision {

namespace {

constexpr int64_t kMaxWidth = int64_t{1} << 16;   // hidden / intermediate sizes, image sides
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxVocab = int64_t{1} << 24;

class Reader {
 public:
  Reader(const nlohmann::json& j, std::string where, const std::string& what)
      : j_(j), where_(std::move(where)), what_(what) {}

  std::string field(const char* key) const { return what_ + ": " + where_ + key; }

  // Integer `key` in [lo, hi], or `fallback` when absent or null.
  Status integer(const char* key, int64_t lo, int64_t hi, int64_t& out) const {
    if (!j_.contains(key) || j_[key].is_null()) return Status::Ok();
    if (!j_[key].is_number_integer()) return InvalidData(field(key) + " must be an integer");
    const int64_t v = j_[key].get<int64_t>();
    if (v < lo || v > hi)
      return InvalidData(field(key) + " = " + std::to_string(v) + " is outside [" + std::to_string(lo) + ", " +
                         std::to_string(hi) + "]");
    out = v;
    return Status::Ok();
  }
  Status positive(const char* key, int64_t hi, int64_t& out) const { return integer(key, 1, hi, out); }

  Status real(const char* key, double& out) const {
    if (!j_.contains(key) || j_[key].is_null()) return Status::Ok();
    if (!j_[key].is_number() || !std::isfinite(j_[key].get<double>()) || j_[key].get<double>() <= 0)
      return InvalidData(field(key) + " must be a positive number");
    out = j_[key].get<double>();
    return Status::Ok();
  }

  Status boolean(const char* key, bool& out) const {
    if (!j_.contains(key) || j_[key].is_null()) return Status::Ok();
    if (!j_[key].is_boolean()) return InvalidData(field(key) + " must be true or false");
    out = j_[key].get<bool>();
    return Status::Ok();
  }

  // String `key` (default `fallback`) that must be one of `allowed`.
  Status one_of(const char* key, const std::string& fallback, std::initializer_list<const char*> allowed,
                std::string* out = nullptr) const {
    std::string v = fallback;
    if (j_.contains(key) && !j_[key].is_null()) {
      if (!j_[key].is_string()) return InvalidData(field(key) + " must be a string");
      v = j_[key].get<std::string>();
    }
    for (const char* a : allowed)
      if (v == a) {
        if (out) *out = v;
        return Status::Ok();
      }
    return Unsupported(field(key) + " = '" + v + "' is not supported");
  }

  const nlohmann::json& json() const { return j_; }

 private:
  const nlohmann::json& j_;
  std::string where_;
  const std::string& what_;
};

Status read_vision(const nlohmann::json& j, const std::string& what, SiglipVisionConfig& v) {
  Reader r(j, "vision_config.", what);
  NMC_RETURN_IF_ERROR(r.one_of("model_type", "siglip_vision_model", {"siglip_vision_model"}));
  NMC_RETURN_IF_ERROR(r.positive("hidden_size", kMaxWidth, v.hidden_size));
  NMC_RETURN_IF_ERROR(r.positive("intermediate_size", kMaxWidth, v.intermediate_size));
  NMC_RETURN_IF_ERROR(r.positive("num_hidden_layers", kMaxLayers, v.num_hidden_layers));
  NMC_RETURN_IF_ERROR(r.positive("num_attention_heads", kMaxWidth, v.num_attention_heads));
  NMC_RETURN_IF_ERROR(r.positive("num_channels", 4, v.num_channels));
  NMC_RETURN_IF_ERROR(r.positive("image_size", kMaxWidth, v.image_size));
  NMC_RETURN_IF_ERROR(r.positive("patch_size", kMaxWidth, v.patch_size));
  NMC_RETURN_IF_ERROR(r.real("layer_norm_eps", v.layer_norm_eps));
  NMC_RETURN_IF_ERROR(r.one_of("hidden_act", "gelu_pytorch_tanh", {"gelu_pytorch_tanh"}));
  bool head = false;
  NMC_RETURN_IF_ERROR(r.boolean("vision_use_head", head));
  if (head) return Unsupported(r.field("vision_use_head") + " = true is not supported (LLaVA-OV has no head)");
  if (v.hidden_size % v.num_attention_heads != 0)
    return InvalidData(what + ": vision_config.hidden_size is not a multiple of num_attention_heads");
  if (v.patch_size > v.image_size) return InvalidData(what + ": vision_config.patch_size exceeds image_size");
  return Status::Ok();
}

Status read_text(const nlohmann::json& j, const std::string& what, Qwen2TextConfig& t, bool& tie_given) {
  Reader r(j, "text_config.", what);
  NMC_RETURN_IF_ERROR(r.one_of("model_type", "qwen2", {"qwen2"}));
  NMC_RETURN_IF_ERROR(r.positive("vocab_size", kMaxVocab, t.vocab_size));
  NMC_RETURN_IF_ERROR(r.positive("hidden_size", kMaxWidth, t.hidden_size));
  NMC_RETURN_IF_ERROR(r.positive("intermediate_size", kMaxWidth, t.intermediate_size));
  NMC_RETURN_IF_ERROR(r.positive("num_hidden_layers", kMaxLayers, t.num_hidden_layers));
  NMC_RETURN_IF_ERROR(r.positive("num_attention_heads", kMaxWidth, t.num_attention_heads));
  t.num_key_value_heads = t.num_attention_heads;  // Qwen2Config: None means "as many as the query heads"
  NMC_RETURN_IF_ERROR(r.positive("num_key_value_heads", kMaxWidth, t.num_key_value_heads));
  NMC_RETURN_IF_ERROR(r.positive("max_position_embeddings", int64_t{1} << 31, t.max_position_embeddings));
  NMC_RETURN_IF_ERROR(r.real("rms_norm_eps", t.rms_norm_eps));
  NMC_RETURN_IF_ERROR(r.real("rope_theta", t.rope_theta));
  NMC_RETURN_IF_ERROR(r.one_of("hidden_act", "silu", {"silu"}));
  tie_given = j.contains("tie_word_embeddings") && !j["tie_word_embeddings"].is_null();
  NMC_RETURN_IF_ERROR(r.boolean("tie_word_embeddings", t.tie_word_embeddings));
  bool sliding = false;
  NMC_RETURN_IF_ERROR(r.boolean("use_sliding_window", sliding));
  if (sliding) return Unsupported(r.field("use_sliding_window") + " = true is not supported");
  // RoPE: plain only. transformers 5 writes rope_parameters {rope_theta, rope_type}.
  for (const char* key : {"rope_scaling", "rope_parameters"}) {
    if (!j.contains(key) || j[key].is_null()) continue;
    const auto& rp = j[key];
    if (!rp.is_object()) return InvalidData(r.field(key) + " must be an object or null");
    for (const char* type_key : {"rope_type", "type"})
      if (rp.contains(type_key) && rp[type_key] != "default")
        return Unsupported(r.field(key) + " with rope type " + rp[type_key].dump() + " is not supported");
    for (const auto& [k, v] : rp.items())
      if (k != "rope_type" && k != "type" && k != "rope_theta")
        return Unsupported(r.field(key) + "." + k + " is not supported (plain RoPE only)");
    Reader rr(rp, std::string("text_config.") + key + ".", what);
    NMC_RETURN_IF_ERROR(rr.real("rope_theta", t.rope_theta));
  }
  if (t.hidden_size % t.num_attention_heads != 0)
    return InvalidData(what + ": text_config.hidden_size is not a multiple of num_attention_heads");
  if (t.num_attention_heads % t.num_key_value_heads != 0)
    return InvalidData(what + ": text_config.num_attention_heads is not a multiple of num_key_value_heads");
  if (t.head_dim() % 2 != 0) return InvalidData(what + ": text head size is odd (RoPE needs pairs)");
  return Status::Ok();
}

}  // namespace

namespace {

Result<LlavaOnevisionConfig> parse_config(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object()) return InvalidData(what + ": not a JSON object");
  bool is_llava = j.contains("model_type") && j["model_type"] == "llava_onevision";
  if (!is_llava && j.contains("architectures") && j["architectures"].is_array())
    for (const auto& a : j["architectures"]) is_llava = is_llava || a == "LlavaOnevisionForConditionalGeneration";
  if (!is_llava)
    return Unsupported(what + ": not a LLaVA-OneVision config (model_type " +
                       (j.contains("model_type") ? j["model_type"].dump() : std::string("missing")) + ")");
  LlavaOnevisionConfig c;
  // LlavaOnevisionConfig's own default tower (used when vision_config is absent).
  c.vision.hidden_size = 1152;
  c.vision.intermediate_size = 4304;
  c.vision.patch_size = 14;
  c.vision.image_size = 384;
  c.vision.num_hidden_layers = 26;
  c.vision.num_attention_heads = 16;
  for (const char* key : {"vision_config", "text_config"})
    if (j.contains(key) && !j[key].is_null() && !j[key].is_object()) return InvalidData(what + ": " + key + " is not an object");
  if (j.contains("vision_config") && j["vision_config"].is_object()) {
    c.vision = SiglipVisionConfig{};  // a given sub-config starts from SiglipVisionConfig's defaults
    NMC_RETURN_IF_ERROR(read_vision(j["vision_config"], what, c.vision));
  }
  bool tie_given = false;
  if (j.contains("text_config") && j["text_config"].is_object())
    NMC_RETURN_IF_ERROR(read_text(j["text_config"], what, c.text, tie_given));
  Reader r(j, "", what);
  if (!tie_given) NMC_RETURN_IF_ERROR(r.boolean("tie_word_embeddings", c.text.tie_word_embeddings));
  NMC_RETURN_IF_ERROR(r.integer("image_token_index", 0, kMaxVocab - 1, c.image_token_index));
  NMC_RETURN_IF_ERROR(r.integer("video_token_index", 0, kMaxVocab - 1, c.video_token_index));
  NMC_RETURN_IF_ERROR(r.one_of("projector_hidden_act", "gelu", {"gelu"}));
  NMC_RETURN_IF_ERROR(r.one_of("vision_feature_select_strategy", "full", {"full", "default"},
                               &c.vision_feature_select_strategy));
  NMC_RETURN_IF_ERROR(r.integer("vision_feature_layer", -c.vision.num_hidden_layers - 1,
                                c.vision.num_hidden_layers, c.vision_feature_layer));
  bool projector_bias = true;
  NMC_RETURN_IF_ERROR(r.boolean("multimodal_projector_bias", projector_bias));
  if (!projector_bias) return Unsupported(r.field("multimodal_projector_bias") + " = false is not supported");
  if (j.contains("vision_aspect_ratio") && !j["vision_aspect_ratio"].is_null()) {
    const std::string ar = j["vision_aspect_ratio"].is_string() ? j["vision_aspect_ratio"].get<std::string>() : "";
    const std::string prefix = "anyres_max_";
    if (ar.rfind(prefix, 0) != 0 || ar.size() == prefix.size() || ar.size() > prefix.size() + 4 ||
        ar.find_first_not_of("0123456789", prefix.size()) != std::string::npos || std::stoll(ar.substr(prefix.size())) < 1)
      return Unsupported(r.field("vision_aspect_ratio") + " = " + j["vision_aspect_ratio"].dump() +
                         " is not supported (anyres_max_N only)");
    c.anyres_max_tiles = std::stoll(ar.substr(prefix.size()));
  }
  const int64_t tile = c.vision.image_size;
  if (j.contains("image_grid_pinpoints") && !j["image_grid_pinpoints"].is_null()) {
    const auto& pins = j["image_grid_pinpoints"];
    if (!pins.is_array() || pins.empty() || pins.size() > 4096)
      return InvalidData(r.field("image_grid_pinpoints") + " must be a non-empty array of [height, width]");
    for (const auto& p : pins) {
      if (!p.is_array() || p.size() != 2 || !p[0].is_number_integer() || !p[1].is_number_integer())
        return InvalidData(r.field("image_grid_pinpoints") + " has an entry that is not [height, width]");
      const int64_t h = p[0].get<int64_t>(), w = p[1].get<int64_t>();
      if (h < tile || w < tile || h > kMaxWidth || w > kMaxWidth || h % tile != 0 || w % tile != 0)
        return Unsupported(r.field("image_grid_pinpoints") + " entry " + p.dump() +
                           " is not a positive multiple of the tile size " + std::to_string(tile));
      c.image_grid_pinpoints.emplace_back(h, w);
    }
  } else {  // LlavaOnevisionConfig's default: 1..6 tiles of 384 a side
    for (int64_t a = 1; a <= 6; ++a)
      for (int64_t b = 1; b <= 6; ++b) c.image_grid_pinpoints.emplace_back(384 * a, 384 * b);
    for (const auto& [h, w] : c.image_grid_pinpoints)
      if (h % tile != 0 || w % tile != 0)
        return Unsupported(what + ": the default image_grid_pinpoints do not fit tile size " + std::to_string(tile));
  }
  if (c.image_token_index >= c.text.vocab_size || c.video_token_index >= c.text.vocab_size ||
      c.image_token_index == c.video_token_index)
    return InvalidData(what + ": image/video token ids must be distinct and below text_config.vocab_size");
  return c;
}

}  // namespace

Result<LlavaOnevisionConfig> parse_llava_onevision_config(std::string_view text, const std::string& what) {
  NMC_ASSIGN_OR_RETURN(nlohmann::json j, parse_json_text(text, what));
  return parse_config(j, what);
}

Result<LlavaOnevisionConfig> load_llava_onevision_config(const std::string& model_dir) {
  const std::string path = model_dir + "/config.json";
  NMC_ASSIGN_OR_RETURN(nlohmann::json j, read_json_file(path));
  NMC_ASSIGN_OR_RETURN(LlavaOnevisionConfig config, parse_config(j, path));
  const std::string pre = model_dir + "/preprocessor_config.json";
  if (!std::filesystem::exists(pre)) return config;
  NMC_ASSIGN_OR_RETURN(nlohmann::json p, read_json_file(pre));
  NMC_RETURN_IF_ERROR(check_preprocessor_config(p, config, pre));
  return config;
}

Status check_preprocessor_config(const nlohmann::json& p, const LlavaOnevisionConfig& config,
                                 const std::string& what) {
  if (!p.is_object()) return InvalidData(what + ": not a JSON object");
  auto unsupported = [&](const std::string& field, const std::string& want) {
    return Unsupported(what + ": " + field + " " + p.value(field, nlohmann::json()).dump() +
                       " is not implemented (the runtime does " + want + ")");
  };
  for (const char* flag : {"do_resize", "do_rescale", "do_normalize", "do_convert_rgb"})
    if (p.contains(flag) && p[flag] != true) return unsupported(flag, "it");
  for (const char* key : {"image_mean", "image_std"}) {
    if (!p.contains(key)) continue;
    const auto& v = p[key];
    if (!v.is_array() || v.size() != 3 || !std::all_of(v.begin(), v.end(), [](const auto& x) {
          return x.is_number() && std::fabs(x.template get<double>() - 0.5) < 1e-9;
        }))
      return unsupported(key, "[0.5, 0.5, 0.5]");
  }
  if (p.contains("rescale_factor") &&
      (!p["rescale_factor"].is_number() || std::fabs(p["rescale_factor"].get<double>() - 1.0 / 255.0) > 1e-12))
    return unsupported("rescale_factor", "1/255");
  if (p.contains("resample") && p["resample"] != 3) return unsupported("resample", "3 (bicubic)");
  if (p.contains("size")) {
    const auto& s = p["size"];
    const int64_t tile = config.vision.image_size;
    const bool ok = s.is_object() && (!s.contains("height") || s["height"] == tile) &&
                    (!s.contains("width") || s["width"] == tile) &&
                    (!s.contains("shortest_edge") || s["shortest_edge"] == tile);
    if (!ok) return unsupported("size", "tiles of vision_config.image_size = " + std::to_string(tile));
  }
  if (p.contains("image_grid_pinpoints")) {
    nlohmann::json want = nlohmann::json::array();
    for (const auto& [h, w] : config.image_grid_pinpoints) want.push_back({h, w});
    if (p["image_grid_pinpoints"] != want)
      return InvalidData(what + ": image_grid_pinpoints differ from config.json's");
  }
  return Status::Ok();
}

}  // namespace nmc::vision
