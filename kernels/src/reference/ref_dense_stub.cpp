// PLACEHOLDER: replaced by the real reference implementations.
#include "nmc/kernels/ops.h"

namespace nmc::reference {
Status copy(const Exec&, const CopyArgs&) { return Unsupported("copy: not implemented"); }
Status matmul(const Exec&, const MatmulArgs&) { return Unsupported("matmul: not implemented"); }
Status conv1d(const Exec&, const Conv1dArgs&) { return Unsupported("conv1d: not implemented"); }
Status conv2d(const Exec&, const Conv2dArgs&) { return Unsupported("conv2d: not implemented"); }
Status conv_transpose1d(const Exec&, const ConvTranspose1dArgs&) { return Unsupported("conv_transpose1d: not implemented"); }
Status conv_transpose2d(const Exec&, const ConvTranspose2dArgs&) { return Unsupported("conv_transpose2d: not implemented"); }
Status embedding(const Exec&, const EmbeddingArgs&) { return Unsupported("embedding: not implemented"); }
Status pool2d(const Exec&, const Pool2dArgs&) { return Unsupported("pool2d: not implemented"); }
Status resize_bilinear(const Exec&, const ResizeBilinearArgs&) { return Unsupported("resize_bilinear: not implemented"); }
Status concat(const Exec&, const ConcatArgs&) { return Unsupported("concat: not implemented"); }
Status slice(const Exec&, const SliceArgs&) { return Unsupported("slice: not implemented"); }
Status gather(const Exec&, const GatherArgs&) { return Unsupported("gather: not implemented"); }
}  // namespace nmc::reference
