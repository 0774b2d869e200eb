#include "nmc/vision/llava_onevision_model.h"

#include <cstring>
#include <map>
#include <string>

#include "nmc/vision/llava_onevision_weights.h"

namespace nmc::vision {

namespace {

Result<Tensor> converted(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::uninitialized(t.shape(), dtype));
  CopyArgs a;
  a.src = &t;
  a.dst = &out;
  NMC_RETURN_IF_ERROR(ops::copy(Exec{}, a));
  return out;
}

class WeightReader {
 public:
  WeightReader(const Checkpoint& ckpt, const std::map<std::string, std::string>& names, WeightPrecision precision)
      : ckpt_(ckpt), names_(names), precision_(precision) {}

  // A weight matrix in the requested precision.
  Result<Tensor> matrix(const std::string& canonical) const {
    NMC_ASSIGN_OR_RETURN(Tensor t, raw(canonical));
    switch (precision_) {
      case WeightPrecision::kF32: return converted(t, DType::kF32);
      case WeightPrecision::kBF16: return converted(t, DType::kBF16);
      default: return t;
    }
  }

  // The tensor as stored (zero-copy view when aligned).
  Result<Tensor> raw(const std::string& canonical) const {
    auto it = names_.find(canonical);
    if (it == names_.end()) return NotFound("checkpoint has no tensor " + canonical);
    return ckpt_.tensor(it->second);
  }
  // The tensor converted to f32 (a copy unless already f32).
  Result<Tensor> f32(const std::string& canonical) const {
    NMC_ASSIGN_OR_RETURN(Tensor t, raw(canonical));
    return converted(t, DType::kF32);
  }

  // A Linear layer: NAME.weight as matrix() and, when `bias` is given, NAME.bias in f32.
  Status linear(const std::string& name, Tensor& weight, Tensor* bias = nullptr) const {
    NMC_ASSIGN_OR_RETURN(weight, matrix(name + ".weight"));
    if (bias) {
      NMC_ASSIGN_OR_RETURN(*bias, f32(name + ".bias"));
    }
    return Status::Ok();
  }

 private:
  const Checkpoint& ckpt_;
  const std::map<std::string, std::string>& names_;
  WeightPrecision precision_;
};

// A contiguous copy of a contiguous f32 tensor.
Result<Tensor> copy_of(const Tensor& t) {
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::uninitialized(t.shape(), t.dtype()));
  std::memcpy(out.raw(), t.raw(), t.nbytes());
  return out;
}

Status linear(const Exec& exec, const Tensor& x, const Tensor& w, const Tensor* b, Tensor& out) {
  MatmulArgs a;
  a.a = &x;
  a.b = &w;
  a.bias = b;
  a.out = &out;
  a.trans_b = true;
  return ops::matmul(exec, a);
}

}  // namespace

Result<std::shared_ptr<const LlavaOnevisionModel>> LlavaOnevisionModel::load(const std::string& model_dir,
                                                                             WeightPrecision precision) {
  NMC_ASSIGN_OR_RETURN(auto config, load_llava_onevision_config(model_dir));
  NMC_ASSIGN_OR_RETURN(auto checkpoint, Checkpoint::open(model_dir));
  return load(config, std::move(checkpoint), precision);
}

Result<std::shared_ptr<const LlavaOnevisionModel>> LlavaOnevisionModel::load(const LlavaOnevisionConfig& config,
                                                                             Checkpoint checkpoint,
                                                                             WeightPrecision precision) {
  if (config.vision_feature_select_strategy != "full")
    return Unsupported("vision_feature_select_strategy '" + config.vision_feature_select_strategy +
                       "' is not implemented (LLaVA-OneVision uses 'full')");
  const auto specs = tensor_specs(checkpoint);
  NMC_ASSIGN_OR_RETURN(auto names, match_llava_onevision_tensors(config, specs));
  auto m = std::make_shared<LlavaOnevisionModel>();
  m->config_ = config;
  m->checkpoint_ = std::move(checkpoint);
  const WeightReader w(m->checkpoint_, names, precision);
  const auto& vc = config.vision;
  const auto& tc = config.text;

  // Vision tower: hidden_states[i] is the output of layer i (0 = embeddings).
  const int64_t nl = vc.num_hidden_layers;
  const int64_t sel = config.vision_feature_layer < 0 ? nl + 1 + config.vision_feature_layer
                                                      : config.vision_feature_layer;
  if (sel < 0 || sel > nl)
    return InvalidData("vision_feature_layer " + std::to_string(config.vision_feature_layer) + " is outside the " +
                       std::to_string(nl) + "-layer vision tower");
  m->vision_layers_used_ = static_cast<int>(sel);
  const std::string vp = "vision_tower.vision_model.";
  NMC_ASSIGN_OR_RETURN(m->patch_w_, w.f32(vp + "embeddings.patch_embedding.weight"));
  NMC_ASSIGN_OR_RETURN(m->patch_b_, w.f32(vp + "embeddings.patch_embedding.bias"));
  NMC_ASSIGN_OR_RETURN(m->position_, w.f32(vp + "embeddings.position_embedding.weight"));
  std::vector<TransformerLayerWeights> vlayers;
  for (int64_t i = 0; i < sel; ++i) {
    const std::string p = vp + "encoder.layers." + std::to_string(i) + ".";
    TransformerLayerWeights l;
    NMC_ASSIGN_OR_RETURN(l.norm1_w, w.f32(p + "layer_norm1.weight"));
    NMC_ASSIGN_OR_RETURN(l.norm1_b, w.f32(p + "layer_norm1.bias"));
    NMC_ASSIGN_OR_RETURN(l.norm2_w, w.f32(p + "layer_norm2.weight"));
    NMC_ASSIGN_OR_RETURN(l.norm2_b, w.f32(p + "layer_norm2.bias"));
    NMC_RETURN_IF_ERROR(w.linear(p + "self_attn.q_proj", l.q_w, &l.q_b));
    NMC_RETURN_IF_ERROR(w.linear(p + "self_attn.k_proj", l.k_w, &l.k_b));
    NMC_RETURN_IF_ERROR(w.linear(p + "self_attn.v_proj", l.v_w, &l.v_b));
    NMC_RETURN_IF_ERROR(w.linear(p + "self_attn.out_proj", l.o_w, &l.o_b));
    NMC_RETURN_IF_ERROR(w.linear(p + "mlp.fc1", l.up_w, &l.up_b));
    NMC_RETURN_IF_ERROR(w.linear(p + "mlp.fc2", l.down_w, &l.down_b));
    vlayers.push_back(std::move(l));
  }
  TransformerConfig vcfg;
  vcfg.layers = static_cast<int>(sel);
  vcfg.hidden = vc.hidden_size;
  vcfg.heads = vcfg.kv_heads = vc.num_attention_heads;
  vcfg.head_dim = vc.head_dim();
  vcfg.intermediate = vc.intermediate_size;
  vcfg.norm = NormKind::kLayerNorm;
  vcfg.norm_eps = static_cast<float>(vc.layer_norm_eps);
  vcfg.activation = UnaryKind::kGeluTanh;
  vcfg.mask = MaskKind::kNone;
  NMC_ASSIGN_OR_RETURN(m->vision_, TransformerStack::create(vcfg, std::move(vlayers)));

  NMC_RETURN_IF_ERROR(w.linear("multi_modal_projector.linear_1", m->proj1_w_, &m->proj1_b_));
  NMC_RETURN_IF_ERROR(w.linear("multi_modal_projector.linear_2", m->proj2_w_, &m->proj2_b_));
  NMC_ASSIGN_OR_RETURN(m->image_newline_, w.f32("image_newline"));

  // Qwen2 decoder.
  const std::string tp = "language_model.model.";
  std::vector<TransformerLayerWeights> tlayers;
  uint64_t bytes = 0;
  for (int64_t i = 0; i < tc.num_hidden_layers; ++i) {
    const std::string p = tp + "layers." + std::to_string(i) + ".";
    TransformerLayerWeights l;
    NMC_ASSIGN_OR_RETURN(l.norm1_w, w.f32(p + "input_layernorm.weight"));
    NMC_ASSIGN_OR_RETURN(l.norm2_w, w.f32(p + "post_attention_layernorm.weight"));
    NMC_RETURN_IF_ERROR(w.linear(p + "self_attn.q_proj", l.q_w, &l.q_b));
    NMC_RETURN_IF_ERROR(w.linear(p + "self_attn.k_proj", l.k_w, &l.k_b));
    NMC_RETURN_IF_ERROR(w.linear(p + "self_attn.v_proj", l.v_w, &l.v_b));
    NMC_RETURN_IF_ERROR(w.linear(p + "self_attn.o_proj", l.o_w));
    NMC_RETURN_IF_ERROR(w.linear(p + "mlp.gate_proj", l.gate_w));
    NMC_RETURN_IF_ERROR(w.linear(p + "mlp.up_proj", l.up_w));
    NMC_RETURN_IF_ERROR(w.linear(p + "mlp.down_proj", l.down_w));
    for (const Tensor* t : {&l.q_w, &l.k_w, &l.v_w, &l.o_w, &l.gate_w, &l.up_w, &l.down_w}) bytes += t->nbytes();
    tlayers.push_back(std::move(l));
  }
  TransformerConfig tcfg;
  tcfg.layers = static_cast<int>(tc.num_hidden_layers);
  tcfg.hidden = tc.hidden_size;
  tcfg.heads = tc.num_attention_heads;
  tcfg.kv_heads = tc.num_key_value_heads;
  tcfg.head_dim = tc.head_dim();
  tcfg.intermediate = tc.intermediate_size;
  tcfg.norm = NormKind::kRmsNorm;
  tcfg.norm_eps = static_cast<float>(tc.rms_norm_eps);
  tcfg.activation = UnaryKind::kSilu;
  tcfg.gated_mlp = true;
  tcfg.rope = true;
  tcfg.rope_theta = static_cast<float>(tc.rope_theta);
  tcfg.rope_layout = RopeLayout::kHalfSplit;
  tcfg.mask = MaskKind::kCausal;
  NMC_ASSIGN_OR_RETURN(m->text_, TransformerStack::create(tcfg, std::move(tlayers)));
  NMC_ASSIGN_OR_RETURN(m->embed_tokens_, w.raw(tp + "embed_tokens.weight"));
  NMC_ASSIGN_OR_RETURN(m->final_norm_w_, w.f32(tp + "norm.weight"));
  NMC_ASSIGN_OR_RETURN(m->lm_head_, w.matrix("language_model.lm_head.weight"));
  m->weight_bytes_ = bytes + m->lm_head_.nbytes();
  return std::shared_ptr<const LlavaOnevisionModel>(std::move(m));
}

Result<Tensor> LlavaOnevisionModel::encode_tiles(const Exec& exec, const Tensor& tiles, Tensor* embeddings,
                                                 Tensor* selected) const {
  const auto& vc = config_.vision;
  const int64_t s = vc.image_size, g = vc.grid(), cv = vc.hidden_size;
  if (tiles.dtype() != DType::kF32 || tiles.rank() != 4 || tiles.dim(1) != vc.num_channels || tiles.dim(2) != s ||
      tiles.dim(3) != s)
    return InvalidArgument("vision tiles must be f32 [N, " + std::to_string(vc.num_channels) + ", " +
                           std::to_string(s) + ", " + std::to_string(s) + "], got " + tiles.describe());
  const int64_t n = tiles.dim(0);
  NMC_ASSIGN_OR_RETURN(Tensor conv, Tensor::uninitialized({n, cv, g, g}, DType::kF32));
  Conv2dArgs ca;
  ca.x = &tiles;
  ca.w = &patch_w_;
  ca.bias = &patch_b_;
  ca.out = &conv;
  ca.stride_h = ca.stride_w = static_cast<int>(vc.patch_size);
  NMC_RETURN_IF_ERROR(ops::conv2d(exec, ca));
  // [N, C, g, g] -> [N, g*g, C] (patches row-major), plus the position embeddings.
  NMC_ASSIGN_OR_RETURN(Tensor x, Tensor::uninitialized({n, g, g, cv}, DType::kF32));
  NMC_ASSIGN_OR_RETURN(Tensor nhwc, conv.permute({0, 2, 3, 1}));
  CopyArgs cp;
  cp.src = &nhwc;
  cp.dst = &x;
  NMC_RETURN_IF_ERROR(ops::copy(exec, cp));
  NMC_ASSIGN_OR_RETURN(x, x.reshape({n, g * g, cv}));
  BinaryArgs add;
  add.a = &x;
  add.b = &position_;
  add.out = &x;
  NMC_RETURN_IF_ERROR(ops::binary(exec, add));
  if (embeddings) {
    NMC_ASSIGN_OR_RETURN(*embeddings, copy_of(x));
  }
  NMC_RETURN_IF_ERROR(vision_.forward(exec, x, nullptr, nullptr));
  if (selected) {
    NMC_ASSIGN_OR_RETURN(*selected, copy_of(x));
  }

  const int64_t ct = config_.text.hidden_size;
  NMC_ASSIGN_OR_RETURN(Tensor h, Tensor::uninitialized({n, g * g, ct}, DType::kF32));
  NMC_RETURN_IF_ERROR(linear(exec, x, proj1_w_, &proj1_b_, h));
  UnaryArgs gelu;
  gelu.x = &h;
  gelu.out = &h;
  gelu.kind = UnaryKind::kGelu;  // the projector's GELU is the exact erf one
  NMC_RETURN_IF_ERROR(ops::unary(exec, gelu));
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::uninitialized({n, g * g, ct}, DType::kF32));
  NMC_RETURN_IF_ERROR(linear(exec, h, proj2_w_, &proj2_b_, out));
  return out;
}

Result<Tensor> LlavaOnevisionModel::embed(const Exec& exec, std::span<const int32_t> ids) const {
  const Tensor id = Tensor::wrap(const_cast<int32_t*>(ids.data()), {static_cast<int64_t>(ids.size())}, DType::kI32);
  NMC_ASSIGN_OR_RETURN(Tensor out,
                       Tensor::uninitialized({static_cast<int64_t>(ids.size()), config_.text.hidden_size},
                                             DType::kF32));
  EmbeddingArgs a;
  a.table = &embed_tokens_;
  a.ids = &id;
  a.out = &out;
  NMC_RETURN_IF_ERROR(ops::embedding(exec, a));
  return out;
}

Status LlavaOnevisionModel::final_norm(const Exec& exec, const Tensor& x, Tensor& out) const {
  RmsNormArgs a;
  a.x = &x;
  a.weight = &final_norm_w_;
  a.out = &out;
  a.eps = static_cast<float>(config_.text.rms_norm_eps);
  return ops::rms_norm(exec, a);
}

Status LlavaOnevisionModel::logits(const Exec& exec, const Tensor& normed, Tensor& out) const {
  return linear(exec, normed, lm_head_, nullptr, out);
}

Result<KvCache> LlavaOnevisionModel::new_kv_cache(int64_t max_tokens, int64_t page_tokens) const {
  KvCacheConfig c;
  c.layers = static_cast<int>(config_.text.num_hidden_layers);
  c.kv_heads = config_.text.num_key_value_heads;
  c.head_dim = config_.text.head_dim();
  c.page_tokens = page_tokens;
  c.max_tokens = max_tokens;
  return KvCache::create(c);
}

}  // namespace nmc::vision
