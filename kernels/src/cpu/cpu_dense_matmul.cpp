// CPU matmul: own GEMV for M == 1 with a [N, K] weight, oneDNN otherwise.
// f32 x f32 runs as is; bf16 weights run as bf16 x bf16 -> f32 with `a`
// rounded to bf16 (AVX512-BF16 where present); f16 weights are widened to f32
// per call. Any case outside these shapes/strides is declined (kUnsupported)
// so the reference runs and reports argument errors.
#include <cstring>
#include <new>
#include <vector>

#include "cpu_dense_dnnl.h"
#include "cpu_dense_gemv.h"
#include "cpu_dense_ops.h"
#include "nmc/kernels/cpu_features.h"
#include "nmc/kernels/thread_pool.h"

namespace nmc::cpu {

namespace {

using dt = dnnl::memory::data_type;

Status decline(const char* why) { return Unsupported(std::string("cpu matmul: ") + why); }

// Checked view of the operands; shapes verified against the contract.
struct MatmulShape {
  int rank = 0;          // rank of a and out
  int64_t m = 0, k = 0, n = 0;
  int64_t batch = 1;     // product of a's batch dims
};

Status inspect(const MatmulArgs& p, MatmulShape* s) {
  if (!p.a || !p.b || !p.out || !p.a->defined() || !p.b->defined() || !p.out->defined()) return decline("operands");
  const Tensor& a = *p.a;
  const Tensor& b = *p.b;
  const Tensor& out = *p.out;
  if (a.device() != Device::kCpu || b.device() != Device::kCpu || out.device() != Device::kCpu)
    return decline("device");
  if (a.dtype() != DType::kF32 || out.dtype() != DType::kF32) return decline("dtype");
  if (b.dtype() != DType::kF32 && b.dtype() != DType::kBF16 && b.dtype() != DType::kF16) return decline("dtype");
  if (a.rank() < 2 || b.rank() < 2 || b.rank() > a.rank() || out.rank() != a.rank()) return decline("rank");
  if (a.stride(-1) != 1 || b.stride(-1) != 1 || !out.is_contiguous()) return decline("strides");
  s->rank = a.rank();
  s->m = a.dim(-2);
  s->k = a.dim(-1);
  s->n = p.trans_b ? b.dim(-2) : b.dim(-1);
  if ((p.trans_b ? b.dim(-1) : b.dim(-2)) != s->k) return decline("inner dims");
  for (int i = 0; i < a.rank() - 2; ++i) {
    const int ib = i - (a.rank() - b.rank());
    if (ib >= 0 && b.dim(ib) != 1 && b.dim(ib) != a.dim(i)) return decline("batch broadcast");
    if (out.dim(i) != a.dim(i)) return decline("out shape");
    s->batch *= a.dim(i);
  }
  if (out.dim(-2) != s->m || out.dim(-1) != s->n) return decline("out shape");
  if (p.bias) {
    const Tensor& bias = *p.bias;
    if (!bias.defined() || bias.device() != Device::kCpu || bias.dtype() != DType::kF32 || bias.rank() != 1 ||
        bias.dim(0) != s->n || !bias.is_contiguous())
      return decline("bias");
  }
  if (s->m * s->n * s->k * s->batch == 0) return decline("empty");
  return Status::Ok();
}

bool gemv_available() {
  const auto& f = cpu_features();
  return (f.avx512f && f.avx512bw && f.avx512vl) || (f.avx2 && f.fma && f.f16c);
}

Status run_gemv(const Exec& exec, const MatmulArgs& p, const MatmulShape& s) {
  GemvArgs g;
  g.x = p.a->data<float>();
  g.w = p.b->raw();
  g.wtype = p.b->dtype();
  g.ldw = p.b->stride(-2);
  g.k = s.k;
  g.bias = p.bias ? p.bias->data<float>() : nullptr;
  g.alpha = p.alpha;
  g.y = p.out->data<float>();
  const auto& f = cpu_features();
  const bool avx512 = f.avx512f && f.avx512bw && f.avx512vl;
  std::vector<float> x_split;
  if (avx512 && g.wtype == DType::kBF16) {
    const int64_t half = s.k / 2;
    x_split.resize(static_cast<size_t>(2 * half + 1));
    for (int64_t i = 0; i < half; ++i) {
      x_split[static_cast<size_t>(i)] = g.x[2 * i];
      x_split[static_cast<size_t>(half + i)] = g.x[2 * i + 1];
    }
    g.x_even = x_split.data();
    g.x_odd = x_split.data() + half;
  }
  // ~64 rows per task keeps per-task overhead small next to 64 * K loads.
  parallel_for(exec.pool, s.n, 64, [&](int64_t n0, int64_t n1) {
    if (avx512) gemv_rows_avx512(g, n0, n1);
    else gemv_rows_avx2(g, n0, n1);
  });
  return Status::Ok();
}

// The oneDNN matmul for one problem signature.
struct MatmulPrim {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul prim;
};

void convert_to_bf16(ThreadPool* pool, const float* src, uint16_t* dst, int64_t n) {
  const bool native = cpu_features().avx512bf16;
  parallel_for(pool, n, 1 << 16, [&](int64_t b, int64_t e) {
    if (native) {
      convert_f32_to_bf16_avx512bf16(src + b, dst + b, e - b);
    } else {
      for (int64_t i = b; i < e; ++i) dst[i] = f32_to_bf16(src[i]);
    }
  });
}

Status run_dnnl(const Exec& exec, const MatmulArgs& p, const MatmulShape& s) {
  const Tensor& a = *p.a;
  const Tensor& b = *p.b;
  const int rank = s.rank;
  const bool bf16 = b.dtype() == DType::kBF16;
  const bool f16 = b.dtype() == DType::kF16;
  const bool fold_bias = p.bias && p.alpha == 1.0f;
  const int nthr = dnnl_util::exec_threads(exec);

  // Logical dims/strides as oneDNN sees them: a [batch..., M, K], b [batch..., K, N].
  dnnl::memory::dims a_dims(rank), a_str(rank), b_dims(rank), b_str(rank), o_dims(rank);
  const int boff = rank - b.rank();
  int64_t b_elems_stride = 1;  // contiguous strides for a widened f16 copy of b
  std::vector<int64_t> b_contig(static_cast<size_t>(b.rank()));
  for (int i = b.rank() - 1; i >= 0; --i) {
    b_contig[static_cast<size_t>(i)] = b_elems_stride;
    b_elems_stride *= b.dim(i);
  }
  auto b_stride = [&](int i) { return f16 ? b_contig[static_cast<size_t>(i)] : b.stride(i); };
  for (int i = 0; i < rank; ++i) {
    a_dims[i] = a.dim(i);
    a_str[i] = bf16 ? 0 : a.stride(i);  // bf16: a is repacked contiguously below
    o_dims[i] = p.out->dim(i);
  }
  if (bf16) {
    int64_t acc = 1;
    for (int i = rank - 1; i >= 0; --i) {
      a_str[i] = acc;
      acc *= a.dim(i);
    }
  }
  for (int i = 0; i < rank - 2; ++i) {
    const int ib = i - boff;
    b_dims[i] = ib >= 0 ? b.dim(ib) : 1;
    b_str[i] = ib >= 0 ? b_stride(ib) : 0;
  }
  b_dims[rank - 2] = s.k;
  b_dims[rank - 1] = s.n;
  const int kb = b.rank() - (p.trans_b ? 1 : 2), nb = b.rank() - (p.trans_b ? 2 : 1);
  b_str[rank - 2] = b_stride(kb);
  b_str[rank - 1] = b_stride(nb);

  dnnl_util::Key key("matmul");
  uint32_t alpha_bits;  // alpha is baked into the primitive as its output scale
  std::memcpy(&alpha_bits, &p.alpha, sizeof alpha_bits);
  key.add(nthr).add(rank).add(bf16).add(fold_bias).add(alpha_bits);
  for (int i = 0; i < rank; ++i) key.add(a_dims[i]).add(a_str[i]).add(b_dims[i]).add(b_str[i]);

  try {
    const dnnl_util::ScopedOmpThreads omp_threads(nthr);
    const dt in_t = bf16 ? dt::bf16 : dt::f32;
    const dnnl::memory::desc a_md(a_dims, in_t, a_str), b_md(b_dims, in_t, b_str);
    dnnl::memory::dims o_str(rank);
    {
      int64_t acc = 1;
      for (int i = rank - 1; i >= 0; --i) {
        o_str[i] = acc;
        acc *= o_dims[i];
      }
    }
    const dnnl::memory::desc o_md(o_dims, dt::f32, o_str);
    dnnl::memory::dims bias_dims(rank, 1), bias_str(rank, s.n);
    bias_dims[rank - 1] = s.n;
    bias_str[rank - 1] = 1;
    const dnnl::memory::desc bias_md(bias_dims, dt::f32, bias_str);
    auto prim = dnnl_util::cached<MatmulPrim>(key.str(), [&] {
      dnnl::primitive_attr attr = dnnl_util::user_scratchpad_attr();
      if (p.alpha != 1.0f) attr.set_output_scales(0, {p.alpha});
      auto desc = fold_bias ? dnnl::matmul::desc(a_md, b_md, bias_md, o_md) : dnnl::matmul::desc(a_md, b_md, o_md);
      dnnl::matmul::primitive_desc pd(desc, attr, dnnl_util::engine());
      return MatmulPrim{pd, dnnl::matmul(pd)};
    });

    // Inputs in the form the primitive expects.
    std::vector<uint16_t> a16;
    std::vector<float> b32;
    void* a_ptr = a.raw();
    void* b_ptr = b.raw();
    if (bf16) {
      a16.resize(static_cast<size_t>(a.numel()));
      if (a.is_contiguous()) {
        convert_to_bf16(exec.pool, a.data<float>(), a16.data(), a.numel());
      } else {
        Tensor a16t = Tensor::wrap(a16.data(), a.shape(), DType::kBF16);
        NMC_RETURN_IF_ERROR(copy_view(exec, a, a16t));
      }
      a_ptr = a16.data();
    }
    if (f16) {
      b32.resize(static_cast<size_t>(b.numel()));
      Tensor b32t = Tensor::wrap(b32.data(), b.shape(), DType::kF32);
      NMC_RETURN_IF_ERROR(copy_view(exec, b, b32t));
      b_ptr = b32.data();
    }
    const auto& eng = dnnl_util::engine();
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, dnnl::memory(a_md, eng, a_ptr)},
        {DNNL_ARG_WEIGHTS, dnnl::memory(b_md, eng, b_ptr)},
        {DNNL_ARG_DST, dnnl::memory(o_md, eng, p.out->raw())}};
    if (fold_bias) args.emplace(DNNL_ARG_BIAS, dnnl::memory(bias_md, eng, p.bias->raw()));
    dnnl_util::execute(prim->prim, prim->pd.scratchpad_desc(), std::move(args));
  } catch (const dnnl::error& e) {
    return Unsupported(std::string("cpu matmul: oneDNN: ") + e.what());
  } catch (const std::bad_alloc&) {
    return OutOfMemory("cpu matmul: cannot allocate conversion buffers");
  }
  if (p.bias && !fold_bias) {
    float* o = p.out->data<float>();
    const float* bias = p.bias->data<float>();
    const int64_t rows = s.batch * s.m, n = s.n;
    parallel_for(exec.pool, rows, 64, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t j = 0; j < n; ++j) o[r * n + j] += bias[j];
    });
  }
  return Status::Ok();
}

}  // namespace

Status matmul(const Exec& exec, const MatmulArgs& p) {
  MatmulShape s;
  NMC_RETURN_IF_ERROR(inspect(p, &s));
  // A shared 2-D weight with contiguous batched rows is one [batch*M, K] matmul:
  // oneDNN 2.6 runs broadcast-weight batched matmuls on its slow reference path.
  if (s.rank > 2 && p.b->rank() == 2 && p.a->is_contiguous()) {
    auto a2 = p.a->reshape({s.batch * s.m, s.k});
    auto o2 = p.out->reshape({s.batch * s.m, s.n});
    if (a2.ok() && o2.ok()) {
      MatmulArgs flat = p;
      flat.a = &*a2;
      flat.out = &*o2;
      return matmul(exec, flat);
    }
  }
  if (s.m == 1 && s.batch == 1 && p.trans_b && gemv_available()) {
    bool b_single = true;  // every batch dim of b is 1
    for (int i = 0; i + 2 < p.b->rank(); ++i) b_single = b_single && p.b->dim(i) == 1;
    if (b_single) return run_gemv(exec, p, s);
  }
  return run_dnnl(exec, p, s);
}

}  // namespace nmc::cpu
