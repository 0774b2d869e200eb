// CPU data movement: copy (with f32/f16/bf16 conversion), concat, slice,
// gather, embedding. All are parallel strided copies over exec.pool; dims are
// coalesced so contiguous runs move with memcpy.
#include <cstring>
#include <vector>

#include "cpu_dense_ops.h"
#include "nmc/kernels/thread_pool.h"

namespace nmc::cpu {

namespace {

Status decline(const char* op, const char* why) { return Unsupported(std::string("cpu ") + op + ": " + why); }

bool is_host(const Tensor* t) { return t && t->defined() && t->device() == Device::kCpu; }

bool convertible(DType s, DType d) {
  if (s == d) return true;
  auto f = [](DType t) { return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16; };
  return f(s) && f(d);
}

inline float load_f(const char* p, DType t) {
  uint16_t h;
  switch (t) {
    case DType::kF32: { float v; std::memcpy(&v, p, 4); return v; }
    case DType::kBF16: std::memcpy(&h, p, 2); return bf16_to_f32(h);
    default: std::memcpy(&h, p, 2); return f16_to_f32(h);
  }
}

inline void store_f(char* p, DType t, float v) {
  uint16_t h;
  switch (t) {
    case DType::kF32: std::memcpy(p, &v, 4); return;
    case DType::kBF16: h = f32_to_bf16(v); std::memcpy(p, &h, 2); return;
    default: h = f32_to_f16(v); std::memcpy(p, &h, 2); return;
  }
}

// Copies `count` elements from src (stride ss elements) to dst (stride ds).
void copy_run(const char* src, DType st, int64_t ss, char* dst, DType dt, int64_t ds, int64_t count) {
  const auto se = static_cast<int64_t>(dtype_size(st)), de = static_cast<int64_t>(dtype_size(dt));
  if (st == dt) {
    if (ss == 1 && ds == 1) {
      std::memcpy(dst, src, static_cast<size_t>(count * se));
    } else {
      for (int64_t i = 0; i < count; ++i) std::memcpy(dst + i * ds * de, src + i * ss * se, static_cast<size_t>(se));
    }
    return;
  }
  if (st == DType::kF32 && dt == DType::kBF16 && ss == 1 && ds == 1) {
    const auto* s = reinterpret_cast<const float*>(src);
    auto* d = reinterpret_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < count; ++i) d[i] = f32_to_bf16(s[i]);
    return;
  }
  if (st == DType::kBF16 && dt == DType::kF32 && ss == 1 && ds == 1) {
    const auto* s = reinterpret_cast<const uint16_t*>(src);
    auto* d = reinterpret_cast<float*>(dst);
    for (int64_t i = 0; i < count; ++i) d[i] = bf16_to_f32(s[i]);
    return;
  }
  for (int64_t i = 0; i < count; ++i) store_f(dst + i * ds * de, dt, load_f(src + i * ss * se, st));
}

// A copy problem with size-1 dims dropped and mergeable dims merged.
struct Plan {
  int rank = 0;
  int64_t size[kMaxRank] = {}, ss[kMaxRank] = {}, ds[kMaxRank] = {};
};

Plan coalesce(const Tensor& src, const Tensor& dst) {
  Plan p;
  for (int i = 0; i < src.rank(); ++i) {
    if (src.dim(i) == 1) continue;
    if (p.rank > 0) {
      const int j = p.rank - 1;
      if (p.ss[j] == src.stride(i) * src.dim(i) && p.ds[j] == dst.stride(i) * src.dim(i)) {
        p.size[j] *= src.dim(i);
        p.ss[j] = src.stride(i);
        p.ds[j] = dst.stride(i);
        continue;
      }
    }
    p.size[p.rank] = src.dim(i);
    p.ss[p.rank] = src.stride(i);
    p.ds[p.rank] = dst.stride(i);
    ++p.rank;
  }
  if (p.rank == 0) {  // a single element
    p.rank = 1;
    p.size[0] = 1;
    p.ss[0] = p.ds[0] = 1;
  }
  return p;
}

}  // namespace

Status copy_view(const Exec& exec, const Tensor& src, Tensor& dst) {
  if (!is_host(&src) || !is_host(&dst)) return decline("copy", "operands");
  if (src.shape() != dst.shape()) return decline("copy", "shape");
  if (!convertible(src.dtype(), dst.dtype())) return decline("copy", "dtype conversion");
  if (src.numel() == 0) return Status::Ok();
  const Plan p = coalesce(src, dst);
  const DType st = src.dtype(), dt = dst.dtype();
  const auto se = static_cast<int64_t>(dtype_size(st)), de = static_cast<int64_t>(dtype_size(dt));
  const char* sp = static_cast<const char*>(src.raw());
  char* dp = static_cast<char*>(dst.raw());
  const int last = p.rank - 1;
  const int64_t inner = p.size[last];
  int64_t rows = 1;
  for (int i = 0; i < last; ++i) rows *= p.size[i];
  constexpr int64_t kChunkBytes = 1 << 16;  // per-task work floor
  if (rows == 1) {
    const int64_t grain = kChunkBytes / de + 1;
    parallel_for(exec.pool, inner, grain, [&](int64_t b, int64_t e) {
      copy_run(sp + b * p.ss[last] * se, st, p.ss[last], dp + b * p.ds[last] * de, dt, p.ds[last], e - b);
    });
    return Status::Ok();
  }
  const int64_t grain = kChunkBytes / (inner * de) + 1;
  parallel_for(exec.pool, rows, grain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      int64_t so = 0, dof = 0, rem = r;
      for (int i = last - 1; i >= 0; --i) {
        const int64_t idx = rem % p.size[i];
        rem /= p.size[i];
        so += idx * p.ss[i];
        dof += idx * p.ds[i];
      }
      copy_run(sp + so * se, st, p.ss[last], dp + dof * de, dt, p.ds[last], inner);
    }
  });
  return Status::Ok();
}

Status copy(const Exec& exec, const CopyArgs& a) {
  if (!is_host(a.src) || !is_host(a.dst)) return decline("copy", "operands");
  return copy_view(exec, *a.src, *a.dst);
}

Status concat(const Exec& exec, const ConcatArgs& a) {
  if (!is_host(a.out) || a.inputs.empty()) return decline("concat", "operands");
  Tensor& out = *a.out;
  int axis = a.axis < 0 ? a.axis + out.rank() : a.axis;
  if (axis < 0 || axis >= out.rank()) return decline("concat", "axis");
  int64_t total = 0;
  for (const Tensor* t : a.inputs) {
    if (!is_host(t) || t->dtype() != out.dtype() || t->rank() != out.rank()) return decline("concat", "inputs");
    for (int k = 0; k < out.rank(); ++k)
      if (k != axis && t->dim(k) != out.dim(k)) return decline("concat", "shapes");
    total += t->dim(axis);
  }
  if (total != out.dim(axis)) return decline("concat", "shapes");
  int64_t pos = 0;
  for (const Tensor* t : a.inputs) {
    auto part = out.slice(axis, pos, pos + t->dim(axis));
    if (!part.ok()) return decline("concat", "slice");
    NMC_RETURN_IF_ERROR(copy_view(exec, *t, part.value()));
    pos += t->dim(axis);
  }
  return Status::Ok();
}

Status slice(const Exec& exec, const SliceArgs& a) {
  if (!is_host(a.x) || !is_host(a.out)) return decline("slice", "operands");
  const Tensor& x = *a.x;
  int axis = a.axis < 0 ? a.axis + x.rank() : a.axis;
  if (axis < 0 || axis >= x.rank() || a.out->rank() != x.rank() || a.out->dtype() != x.dtype())
    return decline("slice", "operands");
  const int64_t n = a.out->dim(axis);
  if (n == 0 || a.step < 1 || a.begin < 0) return decline("slice", "range");
  const int64_t end = a.begin + (n - 1) * a.step + 1;
  if (end > x.dim(axis)) return decline("slice", "range");
  auto view = x.slice(axis, a.begin, end, a.step);
  if (!view.ok()) return decline("slice", "range");
  return copy_view(exec, view.value(), *a.out);  // shape check inside
}

Status gather(const Exec& exec, const GatherArgs& a) {
  if (!is_host(a.x) || !is_host(a.out) || !is_host(a.indices)) return decline("gather", "operands");
  const Tensor& x = *a.x;
  Tensor& out = *a.out;
  const Tensor& ind = *a.indices;
  int axis = a.axis < 0 ? a.axis + x.rank() : a.axis;
  if (axis < 0 || axis >= x.rank() || ind.dtype() != DType::kI32 || ind.rank() != 1 || out.dtype() != x.dtype() ||
      out.rank() != x.rank() || !x.is_contiguous() || !out.is_contiguous() || !ind.is_contiguous())
    return decline("gather", "operands");
  for (int k = 0; k < x.rank(); ++k)
    if (out.dim(k) != (k == axis ? ind.dim(0) : x.dim(k))) return decline("gather", "shape");
  const int32_t* idx = ind.data<int32_t>();
  const int64_t kk = ind.dim(0), len = x.dim(axis);
  for (int64_t j = 0; j < kk; ++j)
    if (idx[j] < 0 || idx[j] >= len) return decline("gather", "index range");  // reference reports it
  int64_t outer = 1, inner = static_cast<int64_t>(dtype_size(x.dtype()));
  for (int k = 0; k < axis; ++k) outer *= x.dim(k);
  for (int k = axis + 1; k < x.rank(); ++k) inner *= x.dim(k);
  const char* xp = static_cast<const char*>(x.raw());
  char* op = static_cast<char*>(out.raw());
  parallel_for(exec.pool, outer * kk, (1 << 16) / (inner + 1) + 1, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t o = r / kk, j = r % kk;
      std::memcpy(op + r * inner, xp + (o * len + idx[j]) * inner, static_cast<size_t>(inner));
    }
  });
  return Status::Ok();
}

Status embedding(const Exec& exec, const EmbeddingArgs& a) {
  if (!is_host(a.table) || !is_host(a.ids) || !is_host(a.out)) return decline("embedding", "operands");
  const Tensor& table = *a.table;
  const Tensor& ids = *a.ids;
  Tensor& out = *a.out;
  const DType tt = table.dtype();
  if ((tt != DType::kF32 && tt != DType::kBF16 && tt != DType::kF16) || table.rank() != 2 ||
      !table.is_contiguous() || ids.dtype() != DType::kI32 || !ids.is_contiguous() ||
      out.dtype() != DType::kF32 || !out.is_contiguous() || out.rank() != ids.rank() + 1)
    return decline("embedding", "operands");
  for (int k = 0; k < ids.rank(); ++k)
    if (out.dim(k) != ids.dim(k)) return decline("embedding", "shape");
  const int64_t v = table.dim(0), d = table.dim(1), n = ids.numel();
  if (out.dim(-1) != d) return decline("embedding", "shape");
  const int32_t* ip = ids.data<int32_t>();
  for (int64_t i = 0; i < n; ++i)
    if (ip[i] < 0 || ip[i] >= v) return decline("embedding", "id range");  // reference reports it
  const auto te = static_cast<int64_t>(dtype_size(tt));
  const char* tp = static_cast<const char*>(table.raw());
  float* op = out.data<float>();
  parallel_for(exec.pool, n, (1 << 14) / (d + 1) + 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      copy_run(tp + ip[i] * d * te, tt, 1, reinterpret_cast<char*>(op + i * d), DType::kF32, 1, d);
  });
  return Status::Ok();
}

}  // namespace nmc::cpu
