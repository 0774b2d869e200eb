// Argument validation shared by the reference and the CPU fast paths of the
// pointwise / normalisation / attention ops (unary, binary, snake, gdn,
// layer_norm, rms_norm, softmax, rope, attention).
//
// Each validate_* function checks every pointer, dtype, rank, shape, stride
// and scalar parameter against the contract in nmc/kernels/ops.h and returns
// kInvalidArgument with a message naming the op and the offending tensor.
// They never touch tensor data.
#pragma once

#include <cstdint>
#include <vector>

#include "nmc/kernels/ops.h"

namespace nmc::pointwise {

Status validate_unary(const UnaryArgs& a);
Status validate_binary(const BinaryArgs& a);
Status validate_snake(const SnakeArgs& a);
Status validate_gdn(const GdnArgs& a);
Status validate_layer_norm(const LayerNormArgs& a);
Status validate_rms_norm(const RmsNormArgs& a);
Status validate_softmax(const SoftmaxArgs& a);
Status validate_rope(const RopeArgs& a);
Status validate_attention(const AttentionArgs& a);

// b's element stride for each of a's dims under numpy broadcasting (0 where b
// broadcasts), for a validated BinaryArgs. Returned as a Shape of a's rank.
Shape broadcast_strides(const Tensor& a, const Tensor& b);

// The keys [lo, hi) that the query at key position p sees under `mask`
// (clamped to [0, tk]; lo >= hi means none). Every mask kind is one interval,
// and lo and hi are non-decreasing in p.
struct KeyRange {
  int64_t lo = 0;
  int64_t hi = 0;
};
KeyRange visible_keys(const AttentionArgs& a, int64_t p, int64_t tk);

// The key / value parts of a validated AttentionArgs in key order: the
// k_parts / v_parts when given, else k and v as one part. first = the part's
// first key position; total() = Tk.
struct AttentionPart {
  const Tensor* k = nullptr;
  const Tensor* v = nullptr;
  int64_t first = 0;
};
struct AttentionParts {
  std::vector<AttentionPart> parts;
  int64_t total() const { return parts.empty() ? 0 : parts.back().first + parts.back().k->dim(1); }
};
AttentionParts attention_parts(const AttentionArgs& a);

// Weights for merging an attention row over one part of the keys (log-sum-exp
// part_lse, normalised output) into the result over earlier parts (prev_lse):
// merged = keep * previous + take * part, merged lse = lse. A part or a
// previous result that saw no key has lse -inf and weight 0.
struct AttentionMerge {
  double keep = 0.0;
  double take = 1.0;
  double lse = 0.0;
};
AttentionMerge attention_merge(double prev_lse, double part_lse);

// The rotary inverse frequency theta^(-2i/rotary_dim), in double.
double rope_inv_freq(double theta, int64_t i, int64_t rotary_dim);

// The effective rotary dim (rotary_dim or D when 0) of validated RopeArgs.
int64_t rope_rotary_dim(const RopeArgs& a);

}  // namespace nmc::pointwise
