// Shared argument checks and element access for the dense reference ops
// (ref_dense_*.cpp). Everything here is scalar and single-threaded.
//
// Checks return kInvalidArgument with "<op>: <what>" messages; they never abort.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "nmc/kernels/ops.h"

namespace nmc::reference::dense {

// t is non-null, defined and in host memory.
inline Status check_present(const char* op, const char* name, const Tensor* t) {
  if (!t || !t->defined()) return InvalidArgument(std::string(op) + ": " + name + " is missing");
  if (t->device() != Device::kCpu)
    return InvalidArgument(std::string(op) + ": " + name + " must be in host memory, got " + t->describe());
  return Status::Ok();
}

// Present, of dtype `dt`, of rank `rank` (rank < 0: any) and contiguous when asked.
inline Status check_tensor(const char* op, const char* name, const Tensor* t, DType dt, int rank,
                           bool need_contiguous) {
  NMC_RETURN_IF_ERROR(check_present(op, name, t));
  if (t->dtype() != dt)
    return InvalidArgument(std::string(op) + ": " + name + " must be " + dtype_name(dt) + ", got " +
                           t->describe());
  if (rank >= 0 && t->rank() != rank)
    return InvalidArgument(std::string(op) + ": " + name + " must have rank " + std::to_string(rank) + ", got " +
                           t->describe());
  if (need_contiguous && !t->is_contiguous())
    return InvalidArgument(std::string(op) + ": " + name + " must be contiguous");
  return Status::Ok();
}

inline Status check_shape(const char* op, const char* name, const Tensor& t, const Shape& want) {
  if (t.shape() != want)
    return InvalidArgument(std::string(op) + ": " + name + " must have shape " + want.to_string() + ", got " +
                           t.shape().to_string());
  return Status::Ok();
}

// Reads element `i` (in elements) of a float-typed buffer as double.
inline double load_float(const void* base, DType dt, int64_t i) {
  switch (dt) {
    case DType::kF32: return static_cast<const float*>(base)[i];
    case DType::kF64: return static_cast<const double*>(base)[i];
    case DType::kF16: return f16_to_f32(static_cast<const uint16_t*>(base)[i]);
    case DType::kBF16: return bf16_to_f32(static_cast<const uint16_t*>(base)[i]);
    default: return 0.0;
  }
}

// Element offset (in elements) of multi-index `idx` under `strides`.
inline int64_t offset_of(const int64_t* idx, const Shape& strides) {
  int64_t off = 0;
  for (int i = 0; i < strides.rank; ++i) off += idx[i] * strides[i];
  return off;
}

// Advances a row-major multi-index over `shape`; false after the last one.
inline bool next_index(int64_t* idx, const Shape& shape) {
  for (int i = shape.rank - 1; i >= 0; --i) {
    if (++idx[i] < shape[i]) return true;
    idx[i] = 0;
  }
  return false;
}

// Copies every element of `shape` from src to dst (same dtype, any strides,
// elements of `elem` bytes). Offsets are in elements from each base pointer.
inline void strided_copy(void* dst, const Shape& dst_strides, const void* src, const Shape& src_strides,
                         const Shape& shape, size_t elem) {
  if (shape.numel() == 0) return;
  int64_t idx[kMaxRank] = {};
  do {
    std::memcpy(static_cast<char*>(dst) + offset_of(idx, dst_strides) * static_cast<int64_t>(elem),
                static_cast<const char*>(src) + offset_of(idx, src_strides) * static_cast<int64_t>(elem), elem);
  } while (next_index(idx, shape));
}

// Normalises a possibly negative axis; false when out of range.
inline bool normalize_axis(int& axis, int rank) {
  if (axis < 0) axis += rank;
  return axis >= 0 && axis < rank;
}

}  // namespace nmc::reference::dense
