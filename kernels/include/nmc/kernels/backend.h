// Backends: where tensors live and ops run. `reference` (scalar C++) and `cpu`
// (AVX-512/AVX2 + oneDNN fast paths) always exist; `cuda` exists when nmc was
// built with CUDA and a device is present at run time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nmc/kernels/ops.h"
#include "nmc/kernels/tensor.h"

namespace nmc {

enum class BackendKind : uint8_t { kReference = 0, kCpu = 1, kCuda = 2 };

class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendKind kind() const = 0;
  virtual const char* name() const = 0;
  virtual Device device() const = 0;
  // The backend's own op implementations (null entries fall back to reference on CPU).
  virtual const OpTable& ops() const = 0;
  // New zero-filled tensor in this backend's memory.
  virtual Result<Tensor> zeros(const Shape& shape, DType dtype) const = 0;
  // Copies between host and this backend's device (either direction, same dtype/shape,
  // both contiguous). Host-only backends copy memory.
  virtual Status transfer(const Tensor& src, Tensor& dst) const = 0;
  // Waits for queued work (no-op on CPU).
  virtual Status synchronize() const { return Status::Ok(); }
};

const Backend& reference_backend();
const Backend& cpu_backend();
// The CUDA backend, or nullptr when not built or no usable device is present.
const Backend* cuda_backend();
// Human-readable reason the CUDA backend is unavailable ("" when available).
std::string cuda_unavailable_reason();

// Every usable backend (reference first).
std::vector<const Backend*> available_backends();

}  // namespace nmc
