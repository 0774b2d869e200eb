#include "cpu_ops.h"

namespace nmc::cpu {
void register_dense_ops(OpTable&) {}
}  // namespace nmc::cpu
