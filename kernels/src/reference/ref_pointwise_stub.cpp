// PLACEHOLDER: replaced by the real reference implementations.
#include "nmc/kernels/ops.h"

namespace nmc::reference {
Status unary(const Exec&, const UnaryArgs&) { return Unsupported("unary: not implemented"); }
Status binary(const Exec&, const BinaryArgs&) { return Unsupported("binary: not implemented"); }
Status snake(const Exec&, const SnakeArgs&) { return Unsupported("snake: not implemented"); }
Status gdn(const Exec&, const GdnArgs&) { return Unsupported("gdn: not implemented"); }
Status layer_norm(const Exec&, const LayerNormArgs&) { return Unsupported("layer_norm: not implemented"); }
Status rms_norm(const Exec&, const RmsNormArgs&) { return Unsupported("rms_norm: not implemented"); }
Status softmax(const Exec&, const SoftmaxArgs&) { return Unsupported("softmax: not implemented"); }
Status rope(const Exec&, const RopeArgs&) { return Unsupported("rope: not implemented"); }
Status attention(const Exec&, const AttentionArgs&) { return Unsupported("attention: not implemented"); }
}  // namespace nmc::reference
