// Tensor: dtype, shape, strides (in elements), device, and shared storage.
//
// Ownership: storage is reference-counted (std::shared_ptr<Storage>); views
// (reshape, slice, permute, select) share it and cost nothing. A tensor that
// wraps foreign memory (an mmap'd checkpoint, a caller buffer) keeps an
// optional keep-alive handle; tensors wrapping read-only memory must not be
// written. Tensors are not synchronised: one thread writes a tensor at a time.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>

#include "nmc/kernels/dtype.h"
#include "nmc/kernels/status.h"

namespace nmc {

enum class Device : uint8_t { kCpu = 0, kCuda = 1 };
const char* device_name(Device d);

inline constexpr int kMaxRank = 8;

// A small fixed-capacity list of dimension sizes (or strides).
struct Shape {
  std::array<int64_t, kMaxRank> d{};
  int rank = 0;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  static Shape from(const int64_t* dims, int rank);

  int64_t operator[](int i) const { return d[static_cast<size_t>(i)]; }
  int64_t& operator[](int i) { return d[static_cast<size_t>(i)]; }
  // Negative indices count from the end: back(-1) is the last dim.
  int64_t at(int i) const { return d[static_cast<size_t>(i < 0 ? rank + i : i)]; }
  int64_t numel() const;
  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string to_string() const;  // "[2, 3, 4]"
};

// A block of memory on one device. Freed by `release` when the last owner goes.
struct Storage {
  void* data = nullptr;
  size_t bytes = 0;
  Device device = Device::kCpu;
  std::function<void(void*)> release;  // may be empty (memory not owned)
  std::shared_ptr<void> keep_alive;    // e.g. an mmap'd file region
  ~Storage();
};

// Allocation hooks for host memory (the C ABI's optional allocator). When unset,
// 64-byte aligned operator new is used. Both functions must be thread-safe.
struct HostAllocator {
  void* (*alloc)(void* user, size_t bytes, size_t alignment) = nullptr;
  void (*free)(void* user, void* ptr) = nullptr;
  void* user = nullptr;
};

class Tensor {
 public:
  Tensor() = default;

  // New contiguous host tensor, zero-initialised. Fails on absurd sizes.
  static Result<Tensor> zeros(const Shape& shape, DType dtype, const HostAllocator* alloc = nullptr);
  // The same without the zero fill: contents are unspecified (for outputs an op
  // overwrites completely).
  static Result<Tensor> uninitialized(const Shape& shape, DType dtype, const HostAllocator* alloc = nullptr);
  // Wraps existing memory (contiguous); `keep_alive` is held as long as any view lives.
  static Tensor wrap(void* data, const Shape& shape, DType dtype, Device device = Device::kCpu,
                     std::shared_ptr<void> keep_alive = nullptr);
  // Tensor on `storage` starting `offset_bytes` in, contiguous layout.
  static Tensor on_storage(std::shared_ptr<Storage> storage, size_t offset_bytes, const Shape& shape,
                           DType dtype);

  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device : Device::kCpu; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }  // in elements
  int rank() const { return shape_.rank; }
  int64_t dim(int i) const { return shape_.at(i); }
  int64_t stride(int i) const { return strides_.at(i); }
  int64_t numel() const { return shape_.numel(); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  size_t offset_bytes() const { return offset_; }

  void* raw() const { return static_cast<char*>(storage_->data) + offset_; }
  template <class T>
  T* data() const { return static_cast<T*>(raw()); }

  // Views. Invalid arguments are programmer errors reported via Status.
  Result<Tensor> reshape(const Shape& shape) const;         // contiguous only
  Result<Tensor> slice(int axis, int64_t begin, int64_t end, int64_t step = 1) const;
  Result<Tensor> select(int axis, int64_t index) const;     // drops the axis
  Result<Tensor> permute(std::initializer_list<int> perm) const;
  Result<Tensor> unsqueeze(int axis) const;

  std::string describe() const;  // "f32[2, 3] cpu"

 private:
  std::shared_ptr<Storage> storage_;
  size_t offset_ = 0;
  DType dtype_ = DType::kF32;
  Shape shape_;
  Shape strides_;
};

// Row-major strides for a shape.
Shape contiguous_strides(const Shape& shape);

// Hard upper bound for a single host allocation (16 GiB); larger requests fail cleanly.
inline constexpr size_t kMaxTensorBytes = size_t{16} << 30;

}  // namespace nmc
