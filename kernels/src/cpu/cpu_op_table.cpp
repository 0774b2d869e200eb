#include "cpu_ops.h"

namespace nmc::cpu {

const OpTable& op_table() {
  static const OpTable t = [] {
    OpTable r;
    register_dense_ops(r);
    register_pointwise_ops(r);
    return r;
  }();
  return t;
}

}  // namespace nmc::cpu
