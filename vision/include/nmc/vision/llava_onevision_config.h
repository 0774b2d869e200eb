// LlavaOnevisionConfig: a Hugging Face LLaVA-OneVision config.json, resolved.
//
// config.json files are written in Hugging Face's diff form (values equal to
// the class defaults are left out), so every field has the default of the
// class that wrote it: SiglipVisionConfig, Qwen2Config, LlavaOnevisionConfig
// (transformers 4.46 - 5.x; rope_theta is read from text_config.rope_theta or
// text_config.rope_parameters.rope_theta). Anything the runtime does not
// implement is refused at parse time with kUnsupported naming the field:
// sliding-window attention, RoPE scaling, other activations, a vision head,
// feature strategies other than "full" / "default".
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "nmc/kernels/status.h"

namespace nmc::vision {

// SigLIP vision tower (pre-LN ViT, patch conv with bias, learned positions, GELU-tanh MLP).
struct SiglipVisionConfig {
  int64_t hidden_size = 768;
  int64_t intermediate_size = 3072;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t num_channels = 3;
  int64_t image_size = 224;
  int64_t patch_size = 16;
  double layer_norm_eps = 1e-6;

  int64_t head_dim() const { return hidden_size / num_attention_heads; }
  // Patches per side of a tile: the patch convolution has stride patch_size and
  // no padding, so the last image_size % patch_size pixels are not seen (384 / 14 -> 27).
  int64_t grid() const { return image_size / patch_size; }
};

// Qwen2 decoder (RMSNorm, GQA with q/k/v biases, RoPE, SwiGLU).
struct Qwen2TextConfig {
  int64_t vocab_size = 151936;
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 22016;
  int64_t num_hidden_layers = 32;
  int64_t num_attention_heads = 32;
  int64_t num_key_value_heads = 32;
  int64_t max_position_embeddings = 32768;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  bool tie_word_embeddings = false;  // lm_head shares embed_tokens' weight

  int64_t head_dim() const { return hidden_size / num_attention_heads; }
  int64_t gqa_group() const { return num_attention_heads / num_key_value_heads; }
};

struct LlavaOnevisionConfig {
  SiglipVisionConfig vision;
  Qwen2TextConfig text;
  int64_t image_token_index = 151646;
  int64_t video_token_index = 151647;
  // "full": all patch tokens; "default": the first one dropped.
  std::string vision_feature_select_strategy = "full";
  int64_t vision_feature_layer = -1;  // hidden_states index (negative from the end), before post-LN
  // "anyres_max_N": image features are bilinearly shrunk to about N tiles' worth of tokens.
  int64_t anyres_max_tiles = 9;
  // Candidate anyres canvases as (height, width), multiples of vision.image_size.
  std::vector<std::pair<int64_t, int64_t>> image_grid_pinpoints;
};

// Parses config.json text (kInvalidData for malformed or inconsistent values,
// kUnsupported as above). `what` names the source in messages.
Result<LlavaOnevisionConfig> parse_llava_onevision_config(std::string_view json, const std::string& what);
// Reads DIR/config.json and, when present, checks DIR/preprocessor_config.json
// against what the runtime implements (check_preprocessor_config).
Result<LlavaOnevisionConfig> load_llava_onevision_config(const std::string& model_dir);

// A LlavaOnevisionImageProcessor preprocessor_config.json (parsed): resize,
// rescale by 1/255, normalize with mean = std = 0.5, bicubic (resample 3),
// tiles of vision.image_size and the config's grid pinpoints. kUnsupported
// naming the field for anything else; kInvalidData for malformed values.
Status check_preprocessor_config(const nlohmann::json& preprocessor, const LlavaOnevisionConfig& config,
                                 const std::string& what);

}  // namespace nmc::vision
