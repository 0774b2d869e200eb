// Reference copy, concat, slice, gather and embedding: data movement ops.
// Any strides on views, any dtype (copy also converts between dtypes).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ref_dense_util.h"

namespace nmc::reference {

using namespace dense;

namespace {

int64_t load_int(const char* p, DType t) {
  switch (t) {
    case DType::kI8: return *reinterpret_cast<const int8_t*>(p);
    case DType::kU8: return *reinterpret_cast<const uint8_t*>(p);
    case DType::kBool: return *reinterpret_cast<const uint8_t*>(p) != 0;
    case DType::kI16: { int16_t v; std::memcpy(&v, p, 2); return v; }
    case DType::kI32: { int32_t v; std::memcpy(&v, p, 4); return v; }
    case DType::kI64: { int64_t v; std::memcpy(&v, p, 8); return v; }
    default: return 0;
  }
}

// Integer range of an integer dtype, for saturating conversions.
void int_range(DType t, int64_t* lo, int64_t* hi) {
  switch (t) {
    case DType::kI8: *lo = INT8_MIN; *hi = INT8_MAX; return;
    case DType::kU8: *lo = 0; *hi = UINT8_MAX; return;
    case DType::kBool: *lo = 0; *hi = 1; return;
    case DType::kI16: *lo = INT16_MIN; *hi = INT16_MAX; return;
    case DType::kI32: *lo = INT32_MIN; *hi = INT32_MAX; return;
    default: *lo = INT64_MIN; *hi = INT64_MAX; return;
  }
}

void store_int(char* p, DType t, int64_t v) {
  switch (t) {
    case DType::kI8: { const auto x = static_cast<int8_t>(v); std::memcpy(p, &x, 1); return; }
    case DType::kU8: { const auto x = static_cast<uint8_t>(v); std::memcpy(p, &x, 1); return; }
    case DType::kBool: { const uint8_t x = v != 0; std::memcpy(p, &x, 1); return; }
    case DType::kI16: { const auto x = static_cast<int16_t>(v); std::memcpy(p, &x, 2); return; }
    case DType::kI32: { const auto x = static_cast<int32_t>(v); std::memcpy(p, &x, 4); return; }
    case DType::kI64: std::memcpy(p, &v, 8); return;
    default: return;
  }
}

void store_float(char* p, DType t, double v) {
  switch (t) {
    case DType::kF32: { const auto x = static_cast<float>(v); std::memcpy(p, &x, 4); return; }
    case DType::kF64: std::memcpy(p, &v, 8); return;
    case DType::kF16: { const uint16_t x = f32_to_f16(static_cast<float>(v)); std::memcpy(p, &x, 2); return; }
    case DType::kBF16: { const uint16_t x = f32_to_bf16(static_cast<float>(v)); std::memcpy(p, &x, 2); return; }
    default: return;
  }
}

// One element from (p, st) to (q, dt). Float -> float rounds to nearest even
// (f64 goes through f32 on its way to f16/bf16); float -> int truncates toward
// zero and saturates (NaN -> 0); int -> int saturates; anything -> bool is != 0.
void convert_element(const char* p, DType st, char* q, DType dt) {
  if (st == dt) {
    std::memcpy(q, p, dtype_size(st));
    return;
  }
  if (dtype_is_float(st)) {
    const double v = load_float(p, st, 0);
    if (dtype_is_float(dt)) return store_float(q, dt, v);
    if (dt == DType::kBool) return store_int(q, dt, v != 0.0);
    int64_t lo, hi;
    int_range(dt, &lo, &hi);
    double t = std::isnan(v) ? 0.0 : std::trunc(v);
    int64_t iv;
    if (t <= static_cast<double>(lo)) iv = lo;
    else if (t >= static_cast<double>(hi)) iv = hi;
    else iv = static_cast<int64_t>(t);
    return store_int(q, dt, iv);
  }
  const int64_t v = load_int(p, st);
  if (dtype_is_float(dt)) return store_float(q, dt, static_cast<double>(v));
  if (dt == DType::kBool) return store_int(q, dt, v != 0);
  int64_t lo, hi;
  int_range(dt, &lo, &hi);
  store_int(q, dt, std::clamp(v, lo, hi));
}

}  // namespace

Status copy(const Exec&, const CopyArgs& a) {
  NMC_RETURN_IF_ERROR(check_present("copy", "src", a.src));
  NMC_RETURN_IF_ERROR(check_present("copy", "dst", a.dst));
  NMC_RETURN_IF_ERROR(check_shape("copy", "dst", *a.dst, a.src->shape()));
  const Tensor& s = *a.src;
  Tensor& d = *a.dst;
  if (s.numel() == 0) return Status::Ok();
  const auto ss = static_cast<int64_t>(dtype_size(s.dtype())), ds = static_cast<int64_t>(dtype_size(d.dtype()));
  const char* sp = static_cast<const char*>(s.raw());
  char* dp = static_cast<char*>(d.raw());
  int64_t idx[kMaxRank] = {};
  do {
    convert_element(sp + offset_of(idx, s.strides()) * ss, s.dtype(), dp + offset_of(idx, d.strides()) * ds,
                    d.dtype());
  } while (next_index(idx, s.shape()));
  return Status::Ok();
}

Status concat(const Exec&, const ConcatArgs& a) {
  NMC_RETURN_IF_ERROR(check_present("concat", "out", a.out));
  const Tensor& out = *a.out;
  int axis = a.axis;
  if (!normalize_axis(axis, out.rank()))
    return InvalidArgument("concat: axis " + std::to_string(a.axis) + " out of range for " + out.describe());
  if (a.inputs.empty()) return InvalidArgument("concat: no inputs");
  int64_t total = 0;
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    const Tensor* t = a.inputs[i];
    const std::string name = "inputs[" + std::to_string(i) + "]";
    NMC_RETURN_IF_ERROR(check_tensor("concat", name.c_str(), t, out.dtype(), out.rank(), false));
    for (int k = 0; k < out.rank(); ++k)
      if (k != axis && t->dim(k) != out.dim(k))
        return InvalidArgument("concat: " + name + " " + t->shape().to_string() + " does not match out " +
                               out.shape().to_string() + " outside axis " + std::to_string(axis));
    total += t->dim(axis);
  }
  if (total != out.dim(axis))
    return InvalidArgument("concat: inputs sum to " + std::to_string(total) + " along axis " +
                           std::to_string(axis) + ", out has " + std::to_string(out.dim(axis)));
  const size_t elem = dtype_size(out.dtype());
  int64_t pos = 0;
  for (const Tensor* t : a.inputs) {
    const auto off = static_cast<int64_t>(elem) * pos * out.stride(axis);
    strided_copy(static_cast<char*>(out.raw()) + off, out.strides(), t->raw(), t->strides(), t->shape(), elem);
    pos += t->dim(axis);
  }
  return Status::Ok();
}

Status slice(const Exec&, const SliceArgs& a) {
  NMC_RETURN_IF_ERROR(check_present("slice", "x", a.x));
  NMC_RETURN_IF_ERROR(check_tensor("slice", "out", a.out, a.x->dtype(), a.x->rank(), false));
  const Tensor& x = *a.x;
  const Tensor& out = *a.out;
  int axis = a.axis;
  if (!normalize_axis(axis, x.rank()))
    return InvalidArgument("slice: axis " + std::to_string(a.axis) + " out of range for " + x.describe());
  for (int k = 0; k < x.rank(); ++k)
    if (k != axis && x.dim(k) != out.dim(k))
      return InvalidArgument("slice: out " + out.shape().to_string() + " does not match x " +
                             x.shape().to_string() + " outside axis " + std::to_string(axis));
  const int64_t n = out.dim(axis);
  if (a.step < 1) return InvalidArgument("slice: step must be >= 1, got " + std::to_string(a.step));
  if (a.begin < 0 || (n > 0 && a.begin + (n - 1) * a.step >= x.dim(axis)))
    return InvalidArgument("slice: begin " + std::to_string(a.begin) + ", step " + std::to_string(a.step) +
                           ", count " + std::to_string(n) + " exceed dim " + std::to_string(x.dim(axis)));
  if (out.numel() == 0) return Status::Ok();
  const size_t elem = dtype_size(x.dtype());
  Shape src_strides = x.strides();
  src_strides[axis] *= a.step;
  const char* src = static_cast<const char*>(x.raw()) + static_cast<int64_t>(elem) * a.begin * x.stride(axis);
  strided_copy(out.raw(), out.strides(), src, src_strides, out.shape(), elem);
  return Status::Ok();
}

Status gather(const Exec&, const GatherArgs& a) {
  NMC_RETURN_IF_ERROR(check_present("gather", "x", a.x));
  NMC_RETURN_IF_ERROR(check_tensor("gather", "indices", a.indices, DType::kI32, 1, false));
  NMC_RETURN_IF_ERROR(check_tensor("gather", "out", a.out, a.x->dtype(), a.x->rank(), false));
  const Tensor& x = *a.x;
  const Tensor& out = *a.out;
  int axis = a.axis;
  if (!normalize_axis(axis, x.rank()))
    return InvalidArgument("gather: axis " + std::to_string(a.axis) + " out of range for " + x.describe());
  Shape want = x.shape();
  want[axis] = a.indices->dim(0);
  NMC_RETURN_IF_ERROR(check_shape("gather", "out", out, want));
  const int64_t k = a.indices->dim(0);
  const auto* ip = a.indices->data<int32_t>();
  const int64_t is = a.indices->stride(0);
  for (int64_t j = 0; j < k; ++j)
    if (ip[j * is] < 0 || ip[j * is] >= x.dim(axis))
      return InvalidArgument("gather: index " + std::to_string(ip[j * is]) + " at " + std::to_string(j) +
                             " outside [0, " + std::to_string(x.dim(axis)) + ")");
  const auto elem = static_cast<int64_t>(dtype_size(x.dtype()));
  Shape sub = x.shape();
  sub[axis] = 1;
  for (int64_t j = 0; j < k; ++j) {
    const char* src = static_cast<const char*>(x.raw()) + elem * ip[j * is] * x.stride(axis);
    char* dst = static_cast<char*>(out.raw()) + elem * j * out.stride(axis);
    strided_copy(dst, out.strides(), src, x.strides(), sub, static_cast<size_t>(elem));
  }
  return Status::Ok();
}

Status embedding(const Exec&, const EmbeddingArgs& a) {
  NMC_RETURN_IF_ERROR(check_present("embedding", "table", a.table));
  const Tensor& table = *a.table;
  if (table.dtype() != DType::kF32 && table.dtype() != DType::kBF16 && table.dtype() != DType::kF16)
    return InvalidArgument("embedding: table must be f32, bf16 or f16, got " + table.describe());
  if (table.rank() != 2 || !table.is_contiguous())
    return InvalidArgument("embedding: table must be a contiguous [V, D] tensor, got " + table.describe());
  NMC_RETURN_IF_ERROR(check_tensor("embedding", "ids", a.ids, DType::kI32, -1, true));
  NMC_RETURN_IF_ERROR(check_tensor("embedding", "out", a.out, DType::kF32, -1, true));
  const Tensor& ids = *a.ids;
  if (ids.rank() + 1 > kMaxRank) return InvalidArgument("embedding: ids rank too large");
  Shape want = ids.shape();
  want.rank++;
  want[want.rank - 1] = table.dim(1);
  NMC_RETURN_IF_ERROR(check_shape("embedding", "out", *a.out, want));
  const int64_t n = ids.numel(), v = table.dim(0), d = table.dim(1);
  const auto* ip = ids.data<int32_t>();
  for (int64_t i = 0; i < n; ++i)
    if (ip[i] < 0 || ip[i] >= v)
      return InvalidArgument("embedding: id " + std::to_string(ip[i]) + " at " + std::to_string(i) +
                             " outside [0, " + std::to_string(v) + ")");
  float* op = a.out->data<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j)
      op[i * d + j] = static_cast<float>(load_float(table.raw(), table.dtype(), ip[i] * d + j));
  return Status::Ok();
}

}  // namespace nmc::reference
