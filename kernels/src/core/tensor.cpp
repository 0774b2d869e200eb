#include "nmc/kernels/tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <sstream>
#include <vector>

namespace nmc {

const char* device_name(Device d) { return d == Device::kCuda ? "cuda" : "cpu"; }

Shape::Shape(std::initializer_list<int64_t> dims) {
  for (int64_t v : dims) {
    if (rank < kMaxRank) d[static_cast<size_t>(rank++)] = v;
  }
}

Shape Shape::from(const int64_t* dims, int r) {
  Shape s;
  s.rank = r < 0 ? 0 : (r > kMaxRank ? kMaxRank : r);
  for (int i = 0; i < s.rank; ++i) s.d[static_cast<size_t>(i)] = dims[i];
  return s;
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) n *= d[static_cast<size_t>(i)];
  return n;
}

bool Shape::operator==(const Shape& o) const {
  if (rank != o.rank) return false;
  for (int i = 0; i < rank; ++i)
    if (d[static_cast<size_t>(i)] != o.d[static_cast<size_t>(i)]) return false;
  return true;
}

std::string Shape::to_string() const {
  std::ostringstream os;
  os << '[';
  for (int i = 0; i < rank; ++i) os << (i ? ", " : "") << d[static_cast<size_t>(i)];
  os << ']';
  return os.str();
}

Storage::~Storage() {
  if (release && data) release(data);
}

Shape contiguous_strides(const Shape& shape) {
  Shape s;
  s.rank = shape.rank;
  int64_t acc = 1;
  for (int i = shape.rank - 1; i >= 0; --i) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

// Byte size of a contiguous tensor; false when a dim is negative, the size
// exceeds kMaxTensorBytes, or (for an empty tensor) the product of the non-zero
// dims in bytes overflows int64 (strides are computed from it). The rule
// matches what the safetensors header parser accepts.
static bool checked_bytes(const Shape& shape, DType dtype, size_t* bytes) {
  constexpr auto kMaxStride = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t n = dtype_size(dtype);
  bool empty = false;
  for (int i = 0; i < shape.rank; ++i) {
    if (shape[i] < 0) return false;
    if (shape[i] == 0) {
      empty = true;
      continue;
    }
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(shape[i]), &n) || n > kMaxStride) return false;
  }
  *bytes = empty ? 0 : static_cast<size_t>(n);
  return *bytes <= kMaxTensorBytes;
}

// Bytes allocated for `bytes` of tensor data: whole 64-byte lines, at least one.
static size_t padded_bytes(size_t bytes) { return bytes == 0 ? 64 : (bytes + 63) / 64 * 64; }

Result<Tensor> Tensor::zeros(const Shape& shape, DType dtype, const HostAllocator* alloc) {
  NMC_ASSIGN_OR_RETURN(Tensor t, uninitialized(shape, dtype, alloc));
  std::memset(t.storage_->data, 0, padded_bytes(t.storage_->bytes));
  return t;
}

Result<Tensor> Tensor::uninitialized(const Shape& shape, DType dtype, const HostAllocator* alloc) {
  size_t bytes = 0;
  if (!checked_bytes(shape, dtype, &bytes))
    return LimitExceeded("tensor " + shape.to_string() + " of " + dtype_name(dtype) +
                         " exceeds the allocation limit");
  auto st = std::make_shared<Storage>();
  const size_t alloc_bytes = padded_bytes(bytes);
  if (alloc && alloc->alloc && alloc->free) {
    st->data = alloc->alloc(alloc->user, alloc_bytes, 64);
    HostAllocator a = *alloc;
    st->release = [a](void* p) { a.free(a.user, p); };
  } else {
    st->data = std::aligned_alloc(64, alloc_bytes);
    st->release = [](void* p) { std::free(p); };
  }
  if (!st->data) {
    st->release = nullptr;
    return OutOfMemory("cannot allocate " + std::to_string(bytes) + " bytes");
  }
  st->bytes = bytes;
  st->device = Device::kCpu;
  return on_storage(std::move(st), 0, shape, dtype);
}

Tensor Tensor::wrap(void* data, const Shape& shape, DType dtype, Device device,
                    std::shared_ptr<void> keep_alive) {
  auto st = std::make_shared<Storage>();
  st->data = data;
  st->bytes = static_cast<size_t>(shape.numel()) * dtype_size(dtype);
  st->device = device;
  st->keep_alive = std::move(keep_alive);
  return on_storage(std::move(st), 0, shape, dtype);
}

Tensor Tensor::on_storage(std::shared_ptr<Storage> storage, size_t offset_bytes, const Shape& shape,
                          DType dtype) {
  Tensor t;
  t.storage_ = std::move(storage);
  t.offset_ = offset_bytes;
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  return t;
}

bool Tensor::is_contiguous() const {
  int64_t acc = 1;
  for (int i = shape_.rank - 1; i >= 0; --i) {
    if (shape_[i] != 1 && strides_[i] != acc) return false;
    acc *= shape_[i];
  }
  return true;
}

static bool norm_axis(int& axis, int rank) {
  if (axis < 0) axis += rank;
  return axis >= 0 && axis < rank;
}

Result<Tensor> Tensor::reshape(const Shape& shape) const {
  if (!is_contiguous()) return InvalidArgument("reshape of a non-contiguous tensor " + describe());
  for (int i = 0; i < shape.rank; ++i)
    if (shape[i] < 0) return InvalidArgument("reshape to " + shape.to_string() + ": negative dimension");
  if (shape.numel() != numel())
    return InvalidArgument("reshape " + shape_.to_string() + " -> " + shape.to_string() +
                           " changes the element count");
  Tensor t = *this;
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  return t;
}

Result<Tensor> Tensor::slice(int axis, int64_t begin, int64_t end, int64_t step) const {
  if (!norm_axis(axis, rank())) return InvalidArgument("slice axis out of range");
  const int64_t n = shape_[axis];
  if (step <= 0 || begin < 0 || end > n || begin > end)
    return InvalidArgument("slice [" + std::to_string(begin) + ":" + std::to_string(end) + ":" +
                           std::to_string(step) + "] out of range for dim " + std::to_string(n));
  Tensor t = *this;
  t.offset_ += static_cast<size_t>(begin * strides_[axis]) * dtype_size(dtype_);
  t.shape_[axis] = (end - begin + step - 1) / step;
  t.strides_[axis] = strides_[axis] * step;
  return t;
}

Result<Tensor> Tensor::select(int axis, int64_t index) const {
  if (!norm_axis(axis, rank())) return InvalidArgument("select axis out of range");
  if (index < 0 || index >= shape_[axis]) return InvalidArgument("select index out of range");
  Tensor t = *this;
  t.offset_ += static_cast<size_t>(index * strides_[axis]) * dtype_size(dtype_);
  for (int i = axis; i + 1 < rank(); ++i) {
    t.shape_[i] = shape_[i + 1];
    t.strides_[i] = strides_[i + 1];
  }
  t.shape_.rank--;
  t.strides_.rank--;
  return t;
}

Result<Tensor> Tensor::permute(std::initializer_list<int> perm) const {
  if (static_cast<int>(perm.size()) != rank()) return InvalidArgument("permute rank mismatch");
  Tensor t = *this;
  bool seen[kMaxRank] = {};
  int i = 0;
  for (int p : perm) {
    if (p < 0 || p >= rank() || seen[p]) return InvalidArgument("permute: invalid permutation");
    seen[p] = true;
    t.shape_[i] = shape_[p];
    t.strides_[i] = strides_[p];
    ++i;
  }
  return t;
}

Result<Tensor> Tensor::unsqueeze(int axis) const {
  if (axis < 0) axis += rank() + 1;
  if (axis < 0 || axis > rank() || rank() >= kMaxRank) return InvalidArgument("unsqueeze axis out of range");
  Tensor t = *this;
  for (int i = rank(); i > axis; --i) {
    t.shape_[i] = shape_[i - 1];
    t.strides_[i] = strides_[i - 1];
  }
  t.shape_[axis] = 1;
  t.strides_[axis] = axis + 1 < t.rank() + 1 && axis < rank() ? shape_[axis] * strides_[axis] : 1;
  t.shape_.rank++;
  t.strides_.rank++;
  return t;
}

std::string Tensor::describe() const {
  return std::string(dtype_name(dtype_)) + shape_.to_string() + " " + device_name(device());
}

}  // namespace nmc
