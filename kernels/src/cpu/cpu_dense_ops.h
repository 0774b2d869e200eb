// The dense op group's CPU implementations (registered by
// register_dense_ops). Each returns kUnsupported for cases it does not handle;
// the dispatcher then runs the reference, which also reports bad arguments.
#pragma once

#include "nmc/kernels/ops.h"

namespace nmc::cpu {

Status copy(const Exec& exec, const CopyArgs& args);
Status concat(const Exec& exec, const ConcatArgs& args);
Status slice(const Exec& exec, const SliceArgs& args);
Status gather(const Exec& exec, const GatherArgs& args);
Status embedding(const Exec& exec, const EmbeddingArgs& args);
Status matmul(const Exec& exec, const MatmulArgs& args);
Status conv1d(const Exec& exec, const Conv1dArgs& args);
Status conv2d(const Exec& exec, const Conv2dArgs& args);
Status conv_transpose1d(const Exec& exec, const ConvTranspose1dArgs& args);
Status conv_transpose2d(const Exec& exec, const ConvTranspose2dArgs& args);

// dst = src (same shape; any strides) in parallel on exec.pool. Same-dtype
// copies of any dtype and conversions among f32/f16/bf16 (round to nearest
// even); other conversions are kUnsupported. Both must be host tensors.
Status copy_view(const Exec& exec, const Tensor& src, Tensor& dst);

}  // namespace nmc::cpu
