// TransformerStack: one pre-norm transformer implementation configured per
// model (SigLIP's encoder, Qwen2's decoder, ...).
//
// Per layer, on the residual stream x [B, T, hidden]:
//   h = norm1(x); q, k, v = h Wq + bq, h Wk + bk, h Wv + bv (per-head split)
//   RoPE on q and k at the given float positions (when configured)
//   x += attention(q, k, v) Wo + bo           (mask from the config; GQA)
//   h = norm2(x)
//   x += down(act(gate(h)) * up(h))          (gated MLP, e.g. SwiGLU)
//   x += down(act(up(h)))                    (plain MLP, e.g. GELU)
// Matrices ([out, in], PyTorch Linear layout) may be f32, bf16 or f16 and are
// used in place (e.g. zero-copy views of a safetensors file), except q, k and
// v, which are copied into one stacked matrix (in q's dtype); norm weights and
// biases are f32. Absent biases are undefined tensors.
//
// With a KvCache (B = 1) the new tokens' keys and values are written to the
// cache and attention sees the cached tokens followed by the new ones; the
// caller reserves before and commits after the last layer (kv_cache.h).
//
// Thread rules: a TransformerStack is immutable after create(); forward() may
// run concurrently from several threads with different x / caches.
#pragma once

#include <cstdint>
#include <vector>

#include "nmc/kernels/kv_cache.h"
#include "nmc/kernels/ops.h"

namespace nmc {

enum class NormKind : uint8_t { kLayerNorm = 0, kRmsNorm };

struct TransformerConfig {
  int layers = 0;
  int64_t hidden = 0;
  int64_t heads = 0;
  int64_t kv_heads = 0;  // GQA: heads % kv_heads == 0
  int64_t head_dim = 0;
  int64_t intermediate = 0;
  NormKind norm = NormKind::kLayerNorm;
  float norm_eps = 1e-6f;
  UnaryKind activation = UnaryKind::kGelu;
  bool gated_mlp = false;
  bool rope = false;
  float rope_theta = 10000.0f;
  RopeLayout rope_layout = RopeLayout::kHalfSplit;
  MaskKind mask = MaskKind::kNone;  // kNone (encoder) or kCausal (decoder)
};

struct TransformerLayerWeights {
  Tensor norm1_w, norm1_b;  // norm1_b only for LayerNorm (optional)
  Tensor q_w, q_b, k_w, k_b, v_w, v_b, o_w, o_b;
  Tensor norm2_w, norm2_b;
  Tensor gate_w, gate_b;    // gated MLP only
  Tensor up_w, up_b;        // SigLIP's fc1
  Tensor down_w, down_b;    // SigLIP's fc2
};

class TransformerStack {
 public:
  TransformerStack() = default;
  // Validates every weight's shape and dtype against the config.
  static Result<TransformerStack> create(const TransformerConfig& config, std::vector<TransformerLayerWeights> layers);

  const TransformerConfig& config() const { return config_; }

  // Runs layers [first, last) in place on x (f32 [B, T, hidden], contiguous).
  // positions: f32 [T] (required with RoPE). cache: optional, B must be 1.
  Status forward(const Exec& exec, Tensor& x, const Tensor* positions, KvCache* cache, int first, int last) const;
  Status forward(const Exec& exec, Tensor& x, const Tensor* positions, KvCache* cache) const {
    return forward(exec, x, positions, cache, 0, config_.layers);
  }

 private:
  Status layer(const Exec& exec, int index, Tensor& x, const Tensor* positions, KvCache* cache) const;

  TransformerConfig config_;
  // The layers as given, except q/k/v: create() stacks their rows into one
  // [q + 2 kv rows, hidden] matrix per layer (one matmul instead of three).
  std::vector<TransformerLayerWeights> layers_;
  std::vector<Tensor> qkv_w_, qkv_b_;  // qkv_b_ entries undefined when no q/k/v bias
};

}  // namespace nmc
