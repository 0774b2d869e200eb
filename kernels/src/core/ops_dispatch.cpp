// nmc::ops::NAME: run the backend's implementation; on CPU backends fall back to
// the reference when the backend has none or declines with kUnsupported.
#include "nmc/kernels/backend.h"
#include "nmc/kernels/ops.h"

namespace nmc {

const char* op_name(OpId id) {
  switch (id) {
#define NMC_OP_NAME_(name, Args) \
  case OpId::name:               \
    return #name;
    NMC_OP_LIST(NMC_OP_NAME_)
#undef NMC_OP_NAME_
    case OpId::kCount: break;
  }
  return "?";
}

namespace reference {
const OpTable& table() {
  static const OpTable t = [] {
    OpTable r;
#define NMC_OP_REF_(name, Args) r.name = &reference::name;
    NMC_OP_LIST(NMC_OP_REF_)
#undef NMC_OP_REF_
    return r;
  }();
  return t;
}
}  // namespace reference

namespace ops {
#define NMC_OP_DISPATCH_(op, Args)                                                       \
  Status op(const Exec& exec, const Args& args) {                                        \
    const Backend* be = exec.backend ? exec.backend : &cpu_backend();                    \
    if (auto fn = be->ops().op) {                                                        \
      Status s = fn(exec, args);                                                         \
      if (s.code() != StatusCode::kUnsupported || be->device() != Device::kCpu) return s; \
    } else if (be->device() != Device::kCpu) {                                           \
      return Unsupported(std::string("op " #op " has no ") + be->name() + " implementation"); \
    }                                                                                    \
    return reference::op(exec, args);                                                    \
  }
NMC_OP_LIST(NMC_OP_DISPATCH_)
#undef NMC_OP_DISPATCH_
}  // namespace ops

}  // namespace nmc
