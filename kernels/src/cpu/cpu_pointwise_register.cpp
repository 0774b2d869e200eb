// Registers the CPU fast paths of the pointwise / norm / rope / attention ops.
#include "cpu/cpu_ops.h"
#include "cpu/cpu_pointwise_ops.h"

namespace nmc::cpu {

namespace {
template <class Args, Status (*Fn)(const PointwiseKernels*, const Exec&, const Args&)>
Status with_best(const Exec& exec, const Args& args) {
  return Fn(pointwise_kernels(), exec, args);
}
}  // namespace

void register_pointwise_ops(OpTable& t) {
  t.unary = &with_best<UnaryArgs, &unary_with>;
  t.binary = &with_best<BinaryArgs, &binary_with>;
  t.snake = &with_best<SnakeArgs, &snake_with>;
  t.gdn = &with_best<GdnArgs, &gdn_with>;
  t.layer_norm = &with_best<LayerNormArgs, &layer_norm_with>;
  t.rms_norm = &with_best<RmsNormArgs, &rms_norm_with>;
  t.softmax = &with_best<SoftmaxArgs, &softmax_with>;
  t.rope = &with_best<RopeArgs, &rope_with>;
  t.attention = &with_best<AttentionArgs, &attention_with>;
}

}  // namespace nmc::cpu
