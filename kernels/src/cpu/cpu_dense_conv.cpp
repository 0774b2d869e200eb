// CPU convolutions through oneDNN: conv1d/conv2d (zeros padding native;
// reflect/replicate by padding the input first) and the transposed forms
// (PyTorch weight layout [C, O/groups, K...] read through strides). Tensors
// stay NCHW/NCL for the caller; oneDNN picks blocked layouts internally and
// the cached primitive set includes the reorders to and from them. With
// Exec::allow_bf16 on an AVX512-BF16 CPU the primitives take bf16 source and
// weights (the reorders round them) and accumulate and write f32.
#include <algorithm>
#include <cstring>
#include <new>
#include <optional>
#include <type_traits>
#include <vector>

#include "cpu_dense_dnnl.h"
#include "cpu_dense_ops.h"
#include "nmc/kernels/cpu_features.h"
#include "nmc/kernels/thread_pool.h"

namespace nmc::cpu {

namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;
using dims = dnnl::memory::dims;

// One problem in oneDNN terms. Spatial arrays hold (H, W) for 2-D or (W) for 1-D.
struct ConvProblem {
  bool transposed = false;
  bool bf16 = false;  // bf16 source and weights, f32 accumulation and output (Exec::allow_bf16)
  int sp = 2;  // spatial rank
  int64_t n = 0, c = 0, o = 0, groups = 1;
  int64_t in[2] = {}, k[2] = {}, out[2] = {};
  int64_t stride[2] = {}, dil[2] = {}, pad_l[2] = {}, pad_r[2] = {};
  const float* x = nullptr;
  const float* w = nullptr;
  const float* bias = nullptr;
  float* y = nullptr;
};

struct ConvPrims {
  dnnl::memory::desc src_user, wei_user, dst_user, bias_md;
  dnnl::memory::desc src_prim, wei_prim, dst_prim, scratch;
  dnnl::primitive prim;
  bool reorder_src = false, reorder_wei = false, reorder_dst = false;
  dnnl::reorder src_r, wei_r, dst_r;
};

Status decline(const char* op, const char* why) { return Unsupported(std::string("cpu ") + op + ": " + why); }

bool host_f32(const Tensor* t, int rank) {
  return t && t->defined() && t->device() == Device::kCpu && t->dtype() == DType::kF32 && t->rank() == rank &&
         t->is_contiguous();
}

dims spatial(const ConvProblem& p, const int64_t* v, int64_t add = 0) {
  dims d;
  for (int i = 0; i < p.sp; ++i) d.push_back(v[i] + add);
  return d;
}

ConvPrims build(const ConvProblem& p) {
  ConvPrims r;
  dims src_d{p.n, p.c}, dst_d{p.n, p.o};
  for (int i = 0; i < p.sp; ++i) {
    src_d.push_back(p.in[i]);
    dst_d.push_back(p.out[i]);
  }
  const tag plain = p.sp == 2 ? tag::nchw : tag::ncw;
  r.src_user = dnnl::memory::desc(src_d, dt::f32, plain);
  r.dst_user = dnnl::memory::desc(dst_d, dt::f32, plain);
  // Weights: oneDNN's logical order is [g,] o, c, spatial.
  const int64_t og = p.o / p.groups, cg = p.c / p.groups;
  int64_t ksz = 1;
  for (int i = 0; i < p.sp; ++i) ksz *= p.k[i];
  dims wd, ws;
  if (p.groups > 1) wd.push_back(p.groups);
  wd.push_back(og);
  wd.push_back(cg);
  for (int i = 0; i < p.sp; ++i) wd.push_back(p.k[i]);
  dims sp_str;
  {
    int64_t acc = 1;
    for (int i = p.sp - 1; i >= 0; --i) {
      sp_str.insert(sp_str.begin(), acc);
      acc *= p.k[i];
    }
  }
  if (!p.transposed) {  // nmc layout [O, C/g, K...] == [g, O/g, C/g, K...]
    if (p.groups > 1) ws.push_back(og * cg * ksz);
    ws.push_back(cg * ksz);
    ws.push_back(ksz);
  } else {  // PyTorch layout [C, O/g, K...] == [g, C/g, O/g, K...]
    if (p.groups > 1) ws.push_back(cg * og * ksz);
    ws.push_back(ksz);
    ws.push_back(og * ksz);
  }
  ws.insert(ws.end(), sp_str.begin(), sp_str.end());
  r.wei_user = dnnl::memory::desc(wd, dt::f32, ws);
  r.bias_md = dnnl::memory::desc({p.o}, dt::f32, tag::a);

  const dt compute = p.bf16 ? dt::bf16 : dt::f32;  // the user memories stay f32: the reorders convert
  const dnnl::memory::desc src_any(src_d, compute, tag::any), dst_any(dst_d, dt::f32, tag::any);
  const dnnl::memory::desc wei_any(wd, compute, tag::any);
  const dims strides = spatial(p, p.stride), dilates = spatial(p, p.dil, -1);
  const dims pl = spatial(p, p.pad_l), pr = spatial(p, p.pad_r);
  const auto attr = dnnl_util::user_scratchpad_attr();
  const auto& eng = dnnl_util::engine();
  const auto kind = dnnl::prop_kind::forward_inference;
  if (!p.transposed) {
    auto d = p.bias ? dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct, src_any, wei_any,
                                                      r.bias_md, dst_any, strides, dilates, pl, pr)
                    : dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct, src_any, wei_any,
                                                      dst_any, strides, dilates, pl, pr);
    dnnl::convolution_forward::primitive_desc pd(d, attr, eng);
    r.src_prim = pd.src_desc();
    r.wei_prim = pd.weights_desc();
    r.dst_prim = pd.dst_desc();
    r.scratch = pd.scratchpad_desc();
    r.prim = dnnl::convolution_forward(pd);
  } else {
    // No bias here: oneDNN 2.x adds a deconvolution's bias in plain C++ after its JIT kernel, which took
    // ~20 % of the op; add_bias() does it afterwards.
    dnnl::deconvolution_forward::desc d(kind, dnnl::algorithm::deconvolution_direct, src_any, wei_any, dst_any,
                                        strides, dilates, pl, pr);
    dnnl::deconvolution_forward::primitive_desc pd(d, attr, eng);
    r.src_prim = pd.src_desc();
    r.wei_prim = pd.weights_desc();
    r.dst_prim = pd.dst_desc();
    r.scratch = pd.scratchpad_desc();
    r.prim = dnnl::deconvolution_forward(pd);
  }
  r.reorder_src = r.src_prim != r.src_user;
  r.reorder_wei = r.wei_prim != r.wei_user;
  r.reorder_dst = r.dst_prim != r.dst_user;
  if (r.reorder_src) r.src_r = dnnl::reorder(dnnl::reorder::primitive_desc(eng, r.src_user, eng, r.src_prim));
  if (r.reorder_wei) r.wei_r = dnnl::reorder(dnnl::reorder::primitive_desc(eng, r.wei_user, eng, r.wei_prim));
  if (r.reorder_dst) r.dst_r = dnnl::reorder(dnnl::reorder::primitive_desc(eng, r.dst_prim, eng, r.dst_user));
  return r;
}

void run_reorder(const dnnl::reorder& r, const dnnl::memory& from, const dnnl::memory& to) {
  dnnl::stream s(dnnl_util::engine());
  r.execute(s, const_cast<dnnl::memory&>(from), const_cast<dnnl::memory&>(to));
  s.wait();
}

// ---- few-channel 2-D convolutions as one matmul ------------------------------
// oneDNN's direct kernels vectorize over channels, so a conv with 3 input
// channels or a transposed conv with 3 output channels (an image codec's first
// and last layers) runs at ~15-20 GFLOP/s. These run as a matmul with the
// weights plus im2col (conv) or col2im (transposed), 5-10x faster. Every output
// element is computed by one thread in a fixed order, so results do not depend
// on the thread count.

constexpr int64_t kGemmMaxChannels = 4;               // C (conv) or O (transposed) at most
constexpr int64_t kGemmMaxColumnBytes = int64_t{1} << 30;

bool gemm_applicable(const ConvProblem& p) {
  if (p.sp != 2 || p.groups != 1 || p.dil[0] != 1 || p.dil[1] != 1) return false;
  const int64_t few = p.transposed ? p.o : p.c;
  if (few > kGemmMaxChannels) return false;
  const int64_t rows = few * p.k[0] * p.k[1];
  const int64_t cols = p.transposed ? p.in[0] * p.in[1] : p.out[0] * p.out[1];
  return rows * cols * static_cast<int64_t>(sizeof(float)) <= kGemmMaxColumnBytes;
}

struct GemmPrim {
  dnnl::memory::desc a, b, c, scratch;
  dnnl::primitive prim;
};

// c[m, n] = sum_k a[m, k] b[k, n]: b and c row-major, a row-major or (a_transposed) stored as [k, m].
// bf16: a and b hold bf16 values (uint16_t), c is f32.
void gemm(const Exec& exec, int nthr, int64_t m, int64_t k, int64_t n, const void* a, bool a_transposed,
          const void* b, float* c, bool bf16 = false) {
  dnnl_util::Key key("conv_gemm");
  key.add(nthr).add(m).add(k).add(n).add(a_transposed).add(bf16);
  auto g = dnnl_util::cached<GemmPrim>(key.str(), [&] {
    GemmPrim r;
    const dt in = bf16 ? dt::bf16 : dt::f32;
    r.a = a_transposed ? dnnl::memory::desc({m, k}, in, dims{1, m}) : dnnl::memory::desc({m, k}, in, tag::ab);
    r.b = dnnl::memory::desc({k, n}, in, tag::ab);
    r.c = dnnl::memory::desc({m, n}, dt::f32, tag::ab);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(r.a, r.b, r.c), dnnl_util::user_scratchpad_attr(),
                                    dnnl_util::engine());
    r.scratch = pd.scratchpad_desc();
    r.prim = dnnl::matmul(pd);
    return r;
  });
  const auto& eng = dnnl_util::engine();
  dnnl_util::execute(g->prim, g->scratch,
                     {{DNNL_ARG_SRC, dnnl::memory(g->a, eng, const_cast<void*>(a))},
                      {DNNL_ARG_WEIGHTS, dnnl::memory(g->b, eng, const_cast<void*>(b))},
                      {DNNL_ARG_DST, dnnl::memory(g->c, eng, c)}},
                     exec.buffers);
}

// Bytes of the column buffer conv_as_gemm / deconv_as_gemm need (the conv's columns are bf16 with p.bf16).
int64_t gemm_column_bytes(const ConvProblem& p) {
  if (p.transposed) return p.o * p.k[0] * p.k[1] * p.in[0] * p.in[1] * int64_t{sizeof(float)};
  return p.c * p.k[0] * p.k[1] * p.out[0] * p.out[1] * (p.bf16 ? int64_t{2} : int64_t{sizeof(float)});
}

template <class T>
T column_value(float v) {
  if constexpr (std::is_same_v<T, float>) {
    return v;
  } else {
    return f32_to_bf16(v);
  }
}

// cols[r, q] = x[c, oy * s - pad + ky, ox * s - pad + kx] (0 outside), r = (c, ky, kx), q = (oy, ox).
template <class T>
void im2col(const Exec& exec, const ConvProblem& p, const float* x, T* cols) {
  const int64_t kh = p.k[0], kw = p.k[1], ih = p.in[0], iw = p.in[1], oh = p.out[0], ow = p.out[1];
  const int64_t rows = p.c * kh * kw, plane = oh * ow;
  parallel_for(exec.pool, rows, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t c = r / (kh * kw), ky = r / kw % kh, kx = r % kw;
      T* dst = cols + r * plane;
      // Output columns whose tap stays inside the row: 0 <= ox * s - pad + kx < iw.
      const int64_t s1 = p.stride[1], shift = kx - p.pad_l[1];
      const int64_t ox0 = std::min(ow, shift >= 0 ? int64_t{0} : (-shift + s1 - 1) / s1);
      const int64_t ox1 = std::max(ox0, std::min(ow, shift >= iw ? int64_t{0} : (iw - 1 - shift) / s1 + 1));
      for (int64_t oy = 0; oy < oh; ++oy) {
        const int64_t iy = oy * p.stride[0] - p.pad_l[0] + ky;
        T* d = dst + oy * ow;
        if (iy < 0 || iy >= ih) {
          std::fill(d, d + ow, T{});
          continue;
        }
        const float* src = x + (c * ih + iy) * iw;
        std::fill(d, d + ox0, T{});
        for (int64_t ox = ox0; ox < ox1; ++ox) d[ox] = column_value<T>(src[ox * s1 + shift]);
        std::fill(d + ox1, d + ow, T{});
      }
    }
  });
}

// y[n, o, ...] += bias[o] over the output planes.
void add_bias(const Exec& exec, const ConvProblem& p) {
  int64_t plane = 1;
  for (int i = 0; i < p.sp; ++i) plane *= p.out[i];
  parallel_for(exec.pool, p.n * p.o, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float b = p.bias[r % p.o];
      float* y = p.y + r * plane;
      for (int64_t q = 0; q < plane; ++q) y[q] += b;
    }
  });
}

// Conv: out[o, q] = bias[o] + sum_r w[o, r] cols[r, q], r = (c, ky, kx), q = output pixel.
// With p.bf16 the columns and weights are rounded to bf16 (f32 products and sums).
void conv_as_gemm(const Exec& exec, int nthr, const ConvProblem& p, void* cols) {
  const int64_t rows = p.c * p.k[0] * p.k[1], plane = p.out[0] * p.out[1];
  std::vector<uint16_t> w16;
  if (p.bf16) {
    w16.resize(static_cast<size_t>(p.o * rows));
    for (size_t i = 0; i < w16.size(); ++i) w16[i] = f32_to_bf16(p.w[i]);
  }
  for (int64_t b = 0; b < p.n; ++b) {
    const float* x = p.x + b * p.c * p.in[0] * p.in[1];
    float* y = p.y + b * p.o * plane;
    if (p.bf16) {
      im2col(exec, p, x, static_cast<uint16_t*>(cols));
      gemm(exec, nthr, p.o, rows, plane, w16.data(), false, cols, y, true);
    } else {
      im2col(exec, p, x, static_cast<float*>(cols));
      gemm(exec, nthr, p.o, rows, plane, p.w, false, cols, y);
    }
  }
  if (p.bias) add_bias(exec, p);
}

// Transposed conv: cols[r, q] = sum_c w[c, r] x[c, q] with r = (o, ky, kx), q = input pixel, then each
// output element gathers bias[o] + its (ky, kx) contributions in a fixed order (col2im).
void deconv_as_gemm(const Exec& exec, int nthr, const ConvProblem& p, float* cols) {  // f32 only
  const int64_t kh = p.k[0], kw = p.k[1], ih = p.in[0], iw = p.in[1], oh = p.out[0], ow = p.out[1];
  const int64_t rows = p.o * kh * kw, in_plane = ih * iw;
  for (int64_t b = 0; b < p.n; ++b) {
    gemm(exec, nthr, rows, p.c, in_plane, p.w, true, p.x + b * p.c * in_plane, cols);
    float* y = p.y + b * p.o * oh * ow;
    parallel_for(exec.pool, p.o * oh, 1, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t o = r / oh, oy = r % oh;
        float* out = y + r * ow;
        std::fill(out, out + ow, p.bias ? p.bias[o] : 0.0f);
        for (int64_t ky = 0; ky < kh; ++ky) {
          const int64_t ty = oy + p.pad_l[0] - ky;  // = iy * stride
          if (ty < 0 || ty % p.stride[0] != 0 || ty / p.stride[0] >= ih) continue;
          const int64_t iy = ty / p.stride[0];
          for (int64_t kx = 0; kx < kw; ++kx) {
            // Input columns ix whose tap kx lands inside the row: 0 <= ix * s - pad + kx < ow.
            const int64_t s1 = p.stride[1], shift = kx - p.pad_l[1];
            const int64_t ix0 = shift >= 0 ? 0 : (-shift + s1 - 1) / s1;
            const int64_t ix1 = std::min(iw, (ow - 1 - shift) / s1 + 1);  // exclusive
            const float* src = cols + ((o * kh + ky) * kw + kx) * in_plane + iy * iw;
            for (int64_t ix = ix0; ix < ix1; ++ix) out[ix * s1 + shift] += src[ix];
          }
        }
      }
    });
  }
}

Status run(const Exec& exec, const char* op, ConvProblem p) {
  const int nthr = dnnl_util::exec_threads(exec);
  p.bf16 = exec.allow_bf16 && cpu_features().avx512bf16;
  if (gemm_applicable(p)) {
    try {
      const dnnl_util::ScopedOmpThreads omp_threads(nthr);
      const dnnl_util::TempBuffer cols(exec.buffers, static_cast<size_t>(gemm_column_bytes(p)));
      if (p.transposed) {
        deconv_as_gemm(exec, nthr, p, cols.floats());
      } else {
        conv_as_gemm(exec, nthr, p, cols.data());
      }
      return Status::Ok();
    } catch (const dnnl::error& e) {
      return Unsupported(std::string("cpu ") + op + ": oneDNN: " + e.what());
    } catch (const std::bad_alloc&) {
      return OutOfMemory(std::string("cpu ") + op + ": out of memory");
    }
  }
  dnnl_util::Key key(op);
  key.add(nthr).add(p.transposed).add(p.bf16).add(p.sp).add(p.n).add(p.c).add(p.o).add(p.groups).add(p.bias != nullptr);
  for (int i = 0; i < p.sp; ++i)
    key.add(p.in[i]).add(p.k[i]).add(p.out[i]).add(p.stride[i]).add(p.dil[i]).add(p.pad_l[i]).add(p.pad_r[i]);
  try {
    const dnnl_util::ScopedOmpThreads omp_threads(nthr);
    auto prims = dnnl_util::cached<ConvPrims>(key.str(), [&] { return build(p); });
    const auto& eng = dnnl_util::engine();
    const dnnl::memory src_u(prims->src_user, eng, const_cast<float*>(p.x));
    const dnnl::memory wei_u(prims->wei_user, eng, const_cast<float*>(p.w));
    const dnnl::memory dst_u(prims->dst_user, eng, p.y);
    dnnl::memory src = src_u, wei = wei_u, dst = dst_u;
    std::optional<dnnl_util::TempMemory> src_t, wei_t, dst_t;  // oneDNN's layouts, from exec.buffers
    if (prims->reorder_src) {
      src = src_t.emplace(exec.buffers, prims->src_prim).get();
      run_reorder(prims->src_r, src_u, src);
    }
    if (prims->reorder_wei) {
      wei = wei_t.emplace(exec.buffers, prims->wei_prim).get();
      run_reorder(prims->wei_r, wei_u, wei);
    }
    if (prims->reorder_dst) dst = dst_t.emplace(exec.buffers, prims->dst_prim).get();
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
    if (p.bias && !p.transposed)
      args.emplace(DNNL_ARG_BIAS, dnnl::memory(prims->bias_md, eng, const_cast<float*>(p.bias)));
    dnnl_util::execute(prims->prim, prims->scratch, std::move(args), exec.buffers);
    if (prims->reorder_dst) run_reorder(prims->dst_r, dst, dst_u);
    if (p.bias && p.transposed) add_bias(exec, p);
  } catch (const dnnl::error& e) {
    return Unsupported(std::string("cpu ") + op + ": oneDNN: " + e.what());
  } catch (const std::bad_alloc&) {
    return OutOfMemory(std::string("cpu ") + op + ": out of memory");
  }
  return Status::Ok();
}

// Checks the operands shared by all four ops and fills n, c, o, groups, x, w, bias, y.
bool operands(ConvProblem& p, const Tensor* x, const Tensor* w, const Tensor* bias, Tensor* out, int groups) {
  const int rank = p.sp + 2;
  if (!host_f32(x, rank) || !host_f32(w, rank) || !host_f32(out, rank) || groups < 1) return false;
  if (bias && (!host_f32(bias, 1))) return false;
  p.n = x->dim(0);
  p.c = x->dim(1);
  p.groups = groups;
  if (p.c % groups != 0) return false;
  if (p.transposed) {
    if (w->dim(0) != p.c) return false;
    p.o = w->dim(1) * groups;
  } else {
    p.o = w->dim(0);
    if (p.o % groups != 0 || w->dim(1) != p.c / groups) return false;
  }
  if (bias && bias->dim(0) != p.o) return false;
  if (out->dim(0) != p.n || out->dim(1) != p.o) return false;
  for (int i = 0; i < p.sp; ++i) {
    p.in[i] = x->dim(2 + i);
    p.k[i] = w->dim(2 + i);
    if (p.in[i] < 1 || p.k[i] < 1 || p.stride[i] < 1 || p.dil[i] < 1) return false;
  }
  p.x = x->data<float>();
  p.w = w->data<float>();
  p.bias = bias ? bias->data<float>() : nullptr;
  p.y = out->data<float>();
  return p.n > 0 && p.c > 0 && p.o > 0;
}

// Fills out[] for a forward conv; false when out's spatial dims do not match.
bool conv_out_dims(ConvProblem& p, const Tensor* out) {
  for (int i = 0; i < p.sp; ++i) {
    if (p.pad_l[i] < 0 || p.pad_r[i] < 0) return false;
    const int64_t span = p.in[i] + p.pad_l[i] + p.pad_r[i] - p.dil[i] * (p.k[i] - 1) - 1;
    if (span < 0) return false;
    p.out[i] = span / p.stride[i] + 1;
    if (out->dim(2 + i) != p.out[i]) return false;
  }
  return true;
}

// Pads x [N, C, in...] into `buf` by reflect/replicate and points p at it with zero padding.
bool pad_input(const Exec& exec, ConvProblem& p, PadMode mode, std::vector<float>& buf) {
  int64_t ph = p.sp == 2 ? p.in[0] + p.pad_l[0] + p.pad_r[0] : 1;
  const int wi = p.sp - 1;
  const int64_t pw = p.in[wi] + p.pad_l[wi] + p.pad_r[wi];
  const int64_t ih = p.sp == 2 ? p.in[0] : 1, iw = p.in[wi];
  const int64_t top = p.sp == 2 ? p.pad_l[0] : 0, left = p.pad_l[wi];
  for (int i = 0; i < p.sp; ++i)
    if (mode == PadMode::kReflect && (p.pad_l[i] >= p.in[i] || p.pad_r[i] >= p.in[i])) return false;
  auto src = [mode](int64_t q, int64_t len) {
    if (q < 0) return mode == PadMode::kReflect ? -q : int64_t{0};
    if (q >= len) return mode == PadMode::kReflect ? 2 * (len - 1) - q : len - 1;
    return q;
  };
  buf.resize(static_cast<size_t>(p.n * p.c * ph * pw));
  const float* x = p.x;
  float* b = buf.data();
  parallel_for(exec.pool, p.n * p.c, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t pl = p0; pl < p1; ++pl)
      for (int64_t y = 0; y < ph; ++y) {
        const float* row = x + (pl * ih + src(y - top, ih)) * iw;
        float* dst = b + (pl * ph + y) * pw;
        for (int64_t xx = 0; xx < pw; ++xx) dst[xx] = row[src(xx - left, iw)];
      }
  });
  if (p.sp == 2) p.in[0] = ph;
  p.in[wi] = pw;
  for (int i = 0; i < p.sp; ++i) p.pad_l[i] = p.pad_r[i] = 0;
  p.x = b;
  return true;
}

Status run_conv(const Exec& exec, const char* op, ConvProblem& p, PadMode mode) {
  std::vector<float> padded;
  if (mode == PadMode::kReflect || mode == PadMode::kReplicate) {
    try {
      if (!pad_input(exec, p, mode, padded)) return decline(op, "padding");
    } catch (const std::bad_alloc&) {
      return OutOfMemory(std::string("cpu ") + op + ": cannot allocate the padded input");
    }
  } else if (mode != PadMode::kZeros) {
    return decline(op, "pad mode");
  }
  return run(exec, op, p);
}

// Fills out[] and oneDNN paddings for a transposed conv.
bool deconv_out_dims(ConvProblem& p, const Tensor* out, const int* crop_b, const int* crop_e, const int* opad) {
  for (int i = 0; i < p.sp; ++i) {
    const int64_t limit = p.stride[i] > p.dil[i] ? p.stride[i] : p.dil[i];
    if (crop_b[i] < 0 || crop_e[i] < 0 || opad[i] < 0 || opad[i] >= limit) return false;
    p.out[i] = (p.in[i] - 1) * p.stride[i] + p.dil[i] * (p.k[i] - 1) + 1 - crop_b[i] - crop_e[i] + opad[i];
    if (p.out[i] < 1 || out->dim(2 + i) != p.out[i]) return false;
    p.pad_l[i] = crop_b[i];
    p.pad_r[i] = crop_e[i] - opad[i];
  }
  return true;
}

}  // namespace

Status conv1d(const Exec& exec, const Conv1dArgs& a) {
  ConvProblem p;
  p.sp = 1;
  p.stride[0] = a.stride;
  p.dil[0] = a.dilation;
  p.pad_l[0] = a.pad_begin;
  p.pad_r[0] = a.pad_end;
  if (!operands(p, a.x, a.w, a.bias, a.out, a.groups) || !conv_out_dims(p, a.out)) return decline("conv1d", "args");
  return run_conv(exec, "conv1d", p, a.pad_mode);
}

Status conv2d(const Exec& exec, const Conv2dArgs& a) {
  ConvProblem p;
  p.sp = 2;
  p.stride[0] = a.stride_h;
  p.stride[1] = a.stride_w;
  p.dil[0] = a.dilation_h;
  p.dil[1] = a.dilation_w;
  p.pad_l[0] = a.pad_top;
  p.pad_r[0] = a.pad_bottom;
  p.pad_l[1] = a.pad_left;
  p.pad_r[1] = a.pad_right;
  if (!operands(p, a.x, a.w, a.bias, a.out, a.groups) || !conv_out_dims(p, a.out)) return decline("conv2d", "args");
  return run_conv(exec, "conv2d", p, a.pad_mode);
}

Status conv_transpose1d(const Exec& exec, const ConvTranspose1dArgs& a) {
  ConvProblem p;
  p.transposed = true;
  p.sp = 1;
  p.stride[0] = a.stride;
  p.dil[0] = a.dilation;
  const int cb[1] = {a.crop_begin}, ce[1] = {a.crop_end}, op[1] = {a.output_padding};
  if (!operands(p, a.x, a.w, a.bias, a.out, a.groups) || !deconv_out_dims(p, a.out, cb, ce, op))
    return decline("conv_transpose1d", "args");
  return run(exec, "conv_transpose1d", p);
}

Status conv_transpose2d(const Exec& exec, const ConvTranspose2dArgs& a) {
  ConvProblem p;
  p.transposed = true;
  p.sp = 2;
  p.stride[0] = a.stride_h;
  p.stride[1] = a.stride_w;
  p.dil[0] = a.dilation_h;
  p.dil[1] = a.dilation_w;
  const int cb[2] = {a.crop_top, a.crop_left}, ce[2] = {a.crop_bottom, a.crop_right};
  const int op[2] = {a.output_padding_h, a.output_padding_w};
  if (!operands(p, a.x, a.w, a.bias, a.out, a.groups) || !deconv_out_dims(p, a.out, cb, ce, op))
    return decline("conv_transpose2d", "args");
  return run(exec, "conv_transpose2d", p);
}

}  // namespace nmc::cpu
