// LlavaOnevisionModel: the weights of a LLaVA-OneVision checkpoint wired into
// the shared transformer stack -- SigLIP vision tower up to the selected
// feature layer (no post-layernorm), the 2-layer GELU projector, and the Qwen2
// decoder with its embeddings, final RMSNorm and lm_head.
//
// Weight matrices stay in the checkpoint's dtype (f32, bf16 or f16) and, when
// aligned, are zero-copy views of the memory-mapped safetensors files; norm
// weights, biases, the patch convolution, position embeddings and
// image_newline are converted to f32 at load.
//
// Thread rules: immutable after load; every method is const and may be called
// from several threads at once (e.g. one model serving several sessions).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "nmc/kernels/checkpoint.h"
#include "nmc/kernels/kv_cache.h"
#include "nmc/kernels/transformer.h"
#include "nmc/vision/llava_onevision_config.h"

namespace nmc::vision {

// Precision of the weight matrices, which decides the matmuls' compute:
// kF32 converts bf16/f16 matrices to f32 at load (f32 products; 2x the memory
// of a bf16 checkpoint); kBF16 converts f32/f16 matrices to bf16 (the matmuls
// then round activations to bf16 and use AVX512-BF16 dot products: ~2x faster,
// relative error ~2^-9 per operand); kAuto keeps the checkpoint's dtype.
enum class WeightPrecision : uint8_t { kAuto = 0, kF32, kBF16 };

class LlavaOnevisionModel {
 public:
  // Reads DIR/config.json and the checkpoint in DIR (single or sharded safetensors).
  static Result<std::shared_ptr<const LlavaOnevisionModel>> load(const std::string& model_dir,
                                                                 WeightPrecision precision = WeightPrecision::kAuto);
  static Result<std::shared_ptr<const LlavaOnevisionModel>> load(const LlavaOnevisionConfig& config,
                                                                 Checkpoint checkpoint,
                                                                 WeightPrecision precision = WeightPrecision::kAuto);

  const LlavaOnevisionConfig& config() const { return config_; }
  // Tokens per tile: grid^2.
  int64_t tile_tokens() const { return config_.vision.grid() * config_.vision.grid(); }
  // Vision-tower layers that run (up to the selected feature layer).
  int vision_layers() const { return vision_layers_used_; }

  // Vision tower + projector: tiles f32 [N, 3, S, S] (normalized pixel values)
  // -> [N, grid^2, text hidden]. When given, `embeddings` receives the patch +
  // position embeddings and `selected` the selected layer's output, both
  // [N, grid^2, vision hidden].
  Result<Tensor> encode_tiles(const Exec& exec, const Tensor& tiles, Tensor* embeddings = nullptr,
                              Tensor* selected = nullptr) const;

  // Token embeddings [T, hidden] (kInvalidArgument for an id outside the vocabulary).
  Result<Tensor> embed(const Exec& exec, std::span<const int32_t> ids) const;

  const TransformerStack& text() const { return text_; }
  // Final RMSNorm of decoder states x [.., hidden] into out (same shape).
  Status final_norm(const Exec& exec, const Tensor& x, Tensor& out) const;
  // Logits [.., vocab] of final-normed states [.., hidden].
  Status logits(const Exec& exec, const Tensor& normed, Tensor& out) const;

  // An empty KV cache for the decoder (max_tokens of context).
  Result<KvCache> new_kv_cache(int64_t max_tokens, int64_t page_tokens = 256) const;

  const Tensor& image_newline() const { return image_newline_; }
  // Bytes of weight data the runtime reads (what a decode step streams).
  uint64_t weight_bytes() const { return weight_bytes_; }

 private:
  LlavaOnevisionConfig config_;
  Checkpoint checkpoint_;  // keeps the zero-copy weight views' files mapped
  Tensor patch_w_, patch_b_, position_;
  TransformerStack vision_;
  int vision_layers_used_ = 0;
  Tensor proj1_w_, proj1_b_, proj2_w_, proj2_b_;
  Tensor embed_tokens_, final_norm_w_, lm_head_;
  TransformerStack text_;
  Tensor image_newline_;
  uint64_t weight_bytes_ = 0;
};

}  // namespace nmc::vision
