// CPU convolutions through oneDNN: conv1d/conv2d (zeros padding native;
// reflect/replicate by padding the input first) and the transposed forms
// (PyTorch weight layout [C, O/groups, K...] read through strides). Tensors
// stay NCHW/NCL for the caller; oneDNN picks blocked layouts internally and
// the cached primitive set includes the reorders to and from them.
#include <cstring>
#include <new>
#include <vector>

#include "cpu_dense_dnnl.h"
#include "cpu_dense_ops.h"
#include "nmc/kernels/thread_pool.h"

namespace nmc::cpu {

namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;
using dims = dnnl::memory::dims;

// One problem in oneDNN terms. Spatial arrays hold (H, W) for 2-D or (W) for 1-D.
struct ConvProblem {
  bool transposed = false;
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

  const dnnl::memory::desc src_any(src_d, dt::f32, tag::any), dst_any(dst_d, dt::f32, tag::any);
  const dnnl::memory::desc wei_any(wd, dt::f32, tag::any);
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
    auto d = p.bias ? dnnl::deconvolution_forward::desc(kind, dnnl::algorithm::deconvolution_direct, src_any,
                                                        wei_any, r.bias_md, dst_any, strides, dilates, pl, pr)
                    : dnnl::deconvolution_forward::desc(kind, dnnl::algorithm::deconvolution_direct, src_any,
                                                        wei_any, dst_any, strides, dilates, pl, pr);
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

Status run(const Exec& exec, const char* op, const ConvProblem& p) {
  const int nthr = dnnl_util::exec_threads(exec);
  dnnl_util::Key key(op);
  key.add(nthr).add(p.transposed).add(p.sp).add(p.n).add(p.c).add(p.o).add(p.groups).add(p.bias != nullptr);
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
    if (prims->reorder_src) {
      src = dnnl::memory(prims->src_prim, eng);
      run_reorder(prims->src_r, src_u, src);
    }
    if (prims->reorder_wei) {
      wei = dnnl::memory(prims->wei_prim, eng);
      run_reorder(prims->wei_r, wei_u, wei);
    }
    if (prims->reorder_dst) dst = dnnl::memory(prims->dst_prim, eng);
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
    if (p.bias) args.emplace(DNNL_ARG_BIAS, dnnl::memory(prims->bias_md, eng, const_cast<float*>(p.bias)));
    dnnl_util::execute(prims->prim, prims->scratch, std::move(args));
    if (prims->reorder_dst) run_reorder(prims->dst_r, dst, dst_u);
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
