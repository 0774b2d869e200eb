// The tensors of a LLaVA-OneVision checkpoint: what a config implies, and the
// check of a checkpoint's tensor list against it.
//
// Canonical names are Hugging Face's classic layout (transformers 4.x,
// save_pretrained of LlavaOnevisionForConditionalGeneration):
//   image_newline, vision_tower.vision_model.*, multi_modal_projector.linear_{1,2}.*,
//   language_model.model.*, language_model.lm_head.weight.
// transformers >= 4.52 writes model.vision_tower.*, model.multi_modal_projector.*,
// model.image_newline, model.language_model.* (without the inner "model.") and
// lm_head.weight; both spellings are accepted.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nmc/kernels/checkpoint.h"
#include "nmc/kernels/status.h"
#include "nmc/vision/llava_onevision_config.h"

namespace nmc::vision {

struct TensorSpec {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
};

// Every tensor the runtime uses, canonical names, in checkpoint order (the
// vision post-layernorm, present in real checkpoints but never applied by
// LLaVA-OneVision, is not listed; lm_head is listed even when tied).
std::vector<TensorSpec> llava_onevision_tensors(const LlavaOnevisionConfig& config);

// The canonical name of a checkpoint tensor name (unchanged when already canonical).
std::string canonical_llava_tensor_name(std::string_view name);

// Checks `tensors` (a checkpoint's list) against the config and returns
// canonical name -> checkpoint name for every tensor the runtime uses. Rules:
// each expected tensor present exactly once (in either spelling) with the
// expected shape and dtype F32, F16 or BF16; language_model.lm_head.weight may be
// absent only when text.tie_word_embeddings (then it maps to embed_tokens);
// the vision post-layernorm may be present (ignored); anything else is an
// unexpected tensor. Errors are kInvalidData naming the tensor (and the first
// few others when several are wrong).
Result<std::map<std::string, std::string>> match_llava_onevision_tensors(const LlavaOnevisionConfig& config,
                                                                       std::span<const TensorSpec> tensors);

// The tensor list of an opened checkpoint (single file or sharded).
std::vector<TensorSpec> tensor_specs(const Checkpoint& checkpoint);

}  // namespace nmc::vision
