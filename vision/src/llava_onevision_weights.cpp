#include "nmc/vision/llava_onevision_weights.h"

#include <set>

namespace nmc::vision {

namespace {

std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

constexpr const char* kLmHead = "language_model.lm_head.weight";
constexpr const char* kEmbed = "language_model.model.embed_tokens.weight";

}  // namespace

std::vector<TensorSpec> llava_onevision_tensors(const LlavaOnevisionConfig& c) {
  std::vector<TensorSpec> t;
  auto add = [&](std::string name, std::vector<int64_t> shape) { t.push_back({std::move(name), DType::kF32, shape}); };
  const auto& v = c.vision;
  const auto& x = c.text;
  add("image_newline", {x.hidden_size});
  const std::string vm = "vision_tower.vision_model.";
  add(vm + "embeddings.patch_embedding.weight", {v.hidden_size, v.num_channels, v.patch_size, v.patch_size});
  add(vm + "embeddings.patch_embedding.bias", {v.hidden_size});
  add(vm + "embeddings.position_embedding.weight", {v.grid() * v.grid(), v.hidden_size});
  for (int64_t i = 0; i < v.num_hidden_layers; ++i) {
    const std::string p = vm + "encoder.layers." + std::to_string(i) + ".";
    for (const char* proj : {"k_proj", "v_proj", "q_proj", "out_proj"}) {
      add(p + "self_attn." + proj + ".weight", {v.hidden_size, v.hidden_size});
      add(p + "self_attn." + proj + ".bias", {v.hidden_size});
    }
    add(p + "layer_norm1.weight", {v.hidden_size});
    add(p + "layer_norm1.bias", {v.hidden_size});
    add(p + "mlp.fc1.weight", {v.intermediate_size, v.hidden_size});
    add(p + "mlp.fc1.bias", {v.intermediate_size});
    add(p + "mlp.fc2.weight", {v.hidden_size, v.intermediate_size});
    add(p + "mlp.fc2.bias", {v.hidden_size});
    add(p + "layer_norm2.weight", {v.hidden_size});
    add(p + "layer_norm2.bias", {v.hidden_size});
  }
  add("multi_modal_projector.linear_1.weight", {x.hidden_size, v.hidden_size});
  add("multi_modal_projector.linear_1.bias", {x.hidden_size});
  add("multi_modal_projector.linear_2.weight", {x.hidden_size, x.hidden_size});
  add("multi_modal_projector.linear_2.bias", {x.hidden_size});
  add(kEmbed, {x.vocab_size, x.hidden_size});
  const int64_t kv = x.num_key_value_heads * x.head_dim();
  for (int64_t i = 0; i < x.num_hidden_layers; ++i) {
    const std::string p = "language_model.model.layers." + std::to_string(i) + ".";
    add(p + "self_attn.q_proj.weight", {x.hidden_size, x.hidden_size});
    add(p + "self_attn.q_proj.bias", {x.hidden_size});
    add(p + "self_attn.k_proj.weight", {kv, x.hidden_size});
    add(p + "self_attn.k_proj.bias", {kv});
    add(p + "self_attn.v_proj.weight", {kv, x.hidden_size});
    add(p + "self_attn.v_proj.bias", {kv});
    add(p + "self_attn.o_proj.weight", {x.hidden_size, x.hidden_size});
    add(p + "mlp.gate_proj.weight", {x.intermediate_size, x.hidden_size});
    add(p + "mlp.up_proj.weight", {x.intermediate_size, x.hidden_size});
    add(p + "mlp.down_proj.weight", {x.hidden_size, x.intermediate_size});
    add(p + "input_layernorm.weight", {x.hidden_size});
    add(p + "post_attention_layernorm.weight", {x.hidden_size});
  }
  add("language_model.model.norm.weight", {x.hidden_size});
  add(kLmHead, {x.vocab_size, x.hidden_size});
  return t;
}

std::string canonical_llava_tensor_name(std::string_view n) {
  if (n == "lm_head.weight") return kLmHead;
  if (n == "model.image_newline") return "image_newline";
  if (starts_with(n, "model.language_model.")) return "language_model.model." + std::string(n.substr(21));
  if (starts_with(n, "model.vision_tower.")) return std::string(n.substr(6));
  if (starts_with(n, "model.multi_modal_projector.")) return std::string(n.substr(6));
  return std::string(n);
}

Result<std::map<std::string, std::string>> match_llava_onevision_tensors(const LlavaOnevisionConfig& c,
                                                                       std::span<const TensorSpec> tensors) {
  std::map<std::string, const TensorSpec*> by_canonical;
  std::vector<std::string> problems;
  auto problem = [&](std::string p) {
    if (problems.size() < 8) problems.push_back(std::move(p));
  };
  for (const TensorSpec& t : tensors) {
    const std::string canon = canonical_llava_tensor_name(t.name);
    if (!by_canonical.emplace(canon, &t).second) problem("'" + t.name + "' appears twice (under two spellings)");
  }
  std::map<std::string, std::string> out;
  std::set<std::string> used;
  for (const TensorSpec& want : llava_onevision_tensors(c)) {
    auto it = by_canonical.find(want.name);
    if (it == by_canonical.end()) {
      if (want.name == kLmHead && c.text.tie_word_embeddings) {
        auto embed = by_canonical.find(kEmbed);
        if (embed != by_canonical.end()) out[want.name] = embed->second->name;  // tied: one tensor
        continue;
      }
      problem("missing '" + want.name + "'" +
              (want.name == kLmHead ? " (tie_word_embeddings is false)" : std::string()));
      continue;
    }
    const TensorSpec& got = *it->second;
    if (got.shape != want.shape)
      problem("'" + got.name + "' has shape " + shape_str(got.shape) + ", expected " + shape_str(want.shape));
    if (got.dtype != DType::kF32 && got.dtype != DType::kF16 && got.dtype != DType::kBF16)
      problem("'" + got.name + "' is " + dtype_name(got.dtype) + ", expected f32, f16 or bf16");
    out[want.name] = got.name;
    used.insert(want.name);
  }
  for (const auto& [canon, t] : by_canonical) {
    if (used.count(canon)) continue;
    if (canon == "vision_tower.vision_model.post_layernorm.weight" ||
        canon == "vision_tower.vision_model.post_layernorm.bias")
      continue;  // in real checkpoints, never applied by LLaVA-OneVision
    problem("unexpected tensor '" + t->name + "'");
  }
  if (!problems.empty()) {
    std::string msg = "LLaVA-OneVision checkpoint does not match its config: " + problems[0];
    for (size_t i = 1; i < problems.size(); ++i) msg += "; " + problems[i];
    return InvalidData(msg);
  }
  return out;
}

std::vector<TensorSpec> tensor_specs(const Checkpoint& checkpoint) {
  std::vector<TensorSpec> out;
  for (const std::string& name : checkpoint.names()) {
    const SafetensorsTensorInfo* info = checkpoint.find(name);
    TensorSpec s{name, info->dtype, {}};
    for (int i = 0; i < info->shape.rank; ++i) s.shape.push_back(info->shape[i]);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace nmc::vision
