#include <cstring>

#include "../cpu/cpu_ops.h"
#include "nmc/kernels/backend.h"

namespace nmc {

namespace {

// Host-memory backend shared by `reference` and `cpu`; they differ in op table.
class HostBackend final : public Backend {
 public:
  HostBackend(BackendKind kind, const char* name, const OpTable& table)
      : kind_(kind), name_(name), table_(table) {}
  BackendKind kind() const override { return kind_; }
  const char* name() const override { return name_; }
  Device device() const override { return Device::kCpu; }
  const OpTable& ops() const override { return table_; }
  Result<Tensor> zeros(const Shape& shape, DType dtype) const override {
    return Tensor::zeros(shape, dtype);
  }
  Status transfer(const Tensor& src, Tensor& dst) const override {
    if (src.shape() != dst.shape() || src.dtype() != dst.dtype())
      return InvalidArgument("transfer: " + src.describe() + " -> " + dst.describe());
    if (!src.is_contiguous() || !dst.is_contiguous()) return InvalidArgument("transfer needs contiguous tensors");
    if (src.device() != Device::kCpu || dst.device() != Device::kCpu)
      return InvalidArgument("host backend cannot reach device memory");
    if (src.nbytes()) std::memmove(dst.raw(), src.raw(), src.nbytes());
    return Status::Ok();
  }

 private:
  BackendKind kind_;
  const char* name_;
  const OpTable& table_;
};

}  // namespace

const Backend& reference_backend() {
  static const HostBackend b(BackendKind::kReference, "reference", reference::table());
  return b;
}

const Backend& cpu_backend() {
  static const HostBackend b(BackendKind::kCpu, "cpu", cpu::op_table());
  return b;
}

std::vector<const Backend*> available_backends() {
  std::vector<const Backend*> v{&reference_backend(), &cpu_backend()};
  if (const Backend* c = cuda_backend()) v.push_back(c);
  return v;
}

}  // namespace nmc
