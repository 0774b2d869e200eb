// CPU drivers of the pointwise / norm / rope / attention ops. Each *_with
// function validates its arguments, splits the work over exec.pool and runs
// the inner kernels of `k`; with k == nullptr it declines (kUnsupported) so the
// reference runs. The registered ops call them with pointwise_kernels();
// tests call them with a specific ISA's table.
#pragma once

#include "cpu/cpu_pointwise_kernels.h"
#include "nmc/kernels/ops.h"

namespace nmc::cpu {

Status unary_with(const PointwiseKernels* k, const Exec& exec, const UnaryArgs& args);
Status binary_with(const PointwiseKernels* k, const Exec& exec, const BinaryArgs& args);
Status snake_with(const PointwiseKernels* k, const Exec& exec, const SnakeArgs& args);
Status gdn_with(const PointwiseKernels* k, const Exec& exec, const GdnArgs& args);
Status layer_norm_with(const PointwiseKernels* k, const Exec& exec, const LayerNormArgs& args);
Status rms_norm_with(const PointwiseKernels* k, const Exec& exec, const RmsNormArgs& args);
Status softmax_with(const PointwiseKernels* k, const Exec& exec, const SoftmaxArgs& args);
Status rope_with(const PointwiseKernels* k, const Exec& exec, const RopeArgs& args);
Status attention_with(const PointwiseKernels* k, const Exec& exec, const AttentionArgs& args);

}  // namespace nmc::cpu
