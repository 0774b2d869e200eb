#include "nmc/kernels/transformer.h"

#include <cstring>
#include <string>
#include <vector>

#include "nmc/kernels/buffer_pool.h"

namespace nmc {

namespace {

bool is_matrix_dtype(DType t) { return t == DType::kF32 || t == DType::kBF16 || t == DType::kF16; }

// `t` must be [rows, cols] (matrix dtype) or, for a vector, f32 [rows]; an
// optional tensor may be undefined.
Status check_weight(const std::string& layer, const char* name, const Tensor& t, int64_t rows, int64_t cols,
                    bool optional) {
  if (!t.defined()) {
    if (optional) return Status::Ok();
    return InvalidArgument(layer + ": " + name + " is missing");
  }
  const bool vector = cols == 0;
  const Shape want = vector ? Shape{rows} : Shape{rows, cols};
  const bool dtype_ok = vector ? t.dtype() == DType::kF32 : is_matrix_dtype(t.dtype());
  if (t.shape() != want || !dtype_ok || !t.is_contiguous() || t.device() != Device::kCpu)
    return InvalidArgument(layer + ": " + name + " must be " + (vector ? "f32 " : "f32/bf16/f16 ") +
                           want.to_string() + ", got " + t.describe());
  return Status::Ok();
}

struct Scratch {
  HostAllocator alloc;
  const HostAllocator* ptr = nullptr;
  explicit Scratch(const Exec& exec) {
    if (exec.buffers) {
      alloc = exec.buffers->allocator();
      ptr = &alloc;
    }
  }
  Result<Tensor> make(const Shape& s) const { return Tensor::uninitialized(s, DType::kF32, ptr); }
};

// The rows of `parts` (matrices with equal column counts) stacked into one
// contiguous matrix of `dtype` (each part converted when its dtype differs).
Result<Tensor> stack_rows(std::initializer_list<const Tensor*> parts, DType dtype) {
  int64_t rows = 0;
  for (const Tensor* p : parts) rows += p->dim(0);
  const int64_t cols = (*parts.begin())->dim(1);
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::uninitialized({rows, cols}, dtype));
  int64_t at = 0;
  for (const Tensor* p : parts) {
    NMC_ASSIGN_OR_RETURN(Tensor dst, out.slice(0, at, at + p->dim(0)));
    CopyArgs a;
    a.src = p;
    a.dst = &dst;
    NMC_RETURN_IF_ERROR(ops::copy(Exec{}, a));
    at += p->dim(0);
  }
  return out;
}

Status linear(const Exec& exec, const Tensor& x, const Tensor& w, const Tensor& b, Tensor& out) {
  MatmulArgs a;
  a.a = &x;
  a.b = &w;
  a.bias = b.defined() ? &b : nullptr;
  a.out = &out;
  a.trans_b = true;
  return ops::matmul(exec, a);
}

Status add_into(const Exec& exec, Tensor& x, const Tensor& y) {
  BinaryArgs a;
  a.a = &x;
  a.b = &y;
  a.out = &x;
  a.kind = BinaryKind::kAdd;
  return ops::binary(exec, a);
}

}  // namespace

Result<TransformerStack> TransformerStack::create(const TransformerConfig& c,
                                                  std::vector<TransformerLayerWeights> layers) {
  if (c.layers < 0 || static_cast<size_t>(c.layers) != layers.size())
    return InvalidArgument("transformer: config has " + std::to_string(c.layers) + " layers, weights " +
                           std::to_string(layers.size()));
  if (c.hidden <= 0 || c.heads <= 0 || c.kv_heads <= 0 || c.head_dim <= 0 || c.intermediate <= 0 ||
      c.heads % c.kv_heads != 0)
    return InvalidArgument("transformer: hidden, heads, kv_heads (dividing heads), head_dim and intermediate "
                           "must be positive");
  if (c.rope && (c.head_dim % 2 != 0 || !(c.rope_theta > 0.0f)))
    return InvalidArgument("transformer: RoPE needs an even head_dim and theta > 0");
  if (c.mask != MaskKind::kNone && c.mask != MaskKind::kCausal)
    return Unsupported("transformer: only bidirectional and causal masks are configured");
  const int64_t qd = c.heads * c.head_dim, kvd = c.kv_heads * c.head_dim, h = c.hidden, i = c.intermediate;
  const bool ln = c.norm == NormKind::kLayerNorm;
  for (size_t l = 0; l < layers.size(); ++l) {
    const auto& w = layers[l];
    const std::string n = "transformer layer " + std::to_string(l);
    NMC_RETURN_IF_ERROR(check_weight(n, "norm1 weight", w.norm1_w, h, 0, false));
    NMC_RETURN_IF_ERROR(check_weight(n, "norm1 bias", w.norm1_b, h, 0, true));
    NMC_RETURN_IF_ERROR(check_weight(n, "norm2 weight", w.norm2_w, h, 0, false));
    NMC_RETURN_IF_ERROR(check_weight(n, "norm2 bias", w.norm2_b, h, 0, true));
    if (!ln && (w.norm1_b.defined() || w.norm2_b.defined()))
      return InvalidArgument(n + ": RMSNorm has no bias");
    NMC_RETURN_IF_ERROR(check_weight(n, "q weight", w.q_w, qd, h, false));
    NMC_RETURN_IF_ERROR(check_weight(n, "q bias", w.q_b, qd, 0, true));
    NMC_RETURN_IF_ERROR(check_weight(n, "k weight", w.k_w, kvd, h, false));
    NMC_RETURN_IF_ERROR(check_weight(n, "k bias", w.k_b, kvd, 0, true));
    NMC_RETURN_IF_ERROR(check_weight(n, "v weight", w.v_w, kvd, h, false));
    NMC_RETURN_IF_ERROR(check_weight(n, "v bias", w.v_b, kvd, 0, true));
    NMC_RETURN_IF_ERROR(check_weight(n, "o weight", w.o_w, h, qd, false));
    NMC_RETURN_IF_ERROR(check_weight(n, "o bias", w.o_b, h, 0, true));
    NMC_RETURN_IF_ERROR(check_weight(n, "up weight", w.up_w, i, h, false));
    NMC_RETURN_IF_ERROR(check_weight(n, "up bias", w.up_b, i, 0, true));
    NMC_RETURN_IF_ERROR(check_weight(n, "gate weight", w.gate_w, i, h, !c.gated_mlp));
    NMC_RETURN_IF_ERROR(check_weight(n, "gate bias", w.gate_b, i, 0, true));
    if (!c.gated_mlp && (w.gate_w.defined() || w.gate_b.defined()))
      return InvalidArgument(n + ": gate weights given for a plain MLP");
    NMC_RETURN_IF_ERROR(check_weight(n, "down weight", w.down_w, h, i, false));
    NMC_RETURN_IF_ERROR(check_weight(n, "down bias", w.down_b, h, 0, true));
  }
  TransformerStack s;
  s.config_ = c;
  for (auto& l : layers) {
    NMC_ASSIGN_OR_RETURN(Tensor w, stack_rows({&l.q_w, &l.k_w, &l.v_w}, l.q_w.dtype()));
    Tensor b;
    if (l.q_b.defined() || l.k_b.defined() || l.v_b.defined()) {
      NMC_ASSIGN_OR_RETURN(b, Tensor::zeros({qd + 2 * kvd}, DType::kF32));
      int64_t at = 0;
      for (const auto& [bias, n] : {std::pair{&l.q_b, qd}, std::pair{&l.k_b, kvd}, std::pair{&l.v_b, kvd}}) {
        if (bias->defined()) std::memcpy(b.data<float>() + at, bias->data<float>(), bias->nbytes());
        at += n;
      }
    }
    s.qkv_w_.push_back(std::move(w));
    s.qkv_b_.push_back(std::move(b));
    l.q_w = l.k_w = l.v_w = l.q_b = l.k_b = l.v_b = Tensor();  // not used any more
  }
  s.layers_ = std::move(layers);
  return s;
}

Status TransformerStack::forward(const Exec& exec, Tensor& x, const Tensor* positions, KvCache* cache, int first,
                                 int last) const {
  const auto& c = config_;
  if (first < 0 || last > c.layers || first > last) return InvalidArgument("transformer: bad layer range");
  if (x.dtype() != DType::kF32 || x.rank() != 3 || x.dim(2) != c.hidden || !x.is_contiguous())
    return InvalidArgument("transformer: x must be contiguous f32 [B, T, " + std::to_string(c.hidden) + "], got " +
                           x.describe());
  if (c.rope && (!positions || positions->dtype() != DType::kF32 || positions->shape() != Shape{x.dim(1)}))
    return InvalidArgument("transformer: RoPE needs f32 positions [T]");
  if (cache) {
    const auto& kc = cache->config();
    if (x.dim(0) != 1) return InvalidArgument("transformer: a KV cache needs batch 1");
    if (kc.layers != c.layers || kc.kv_heads != c.kv_heads || kc.head_dim != c.head_dim)
      return InvalidArgument("transformer: the KV cache's layout does not match the model");
  }
  for (int l = first; l < last; ++l) NMC_RETURN_IF_ERROR(layer(exec, l, x, positions, cache));
  return Status::Ok();
}

Status TransformerStack::layer(const Exec& exec, int index, Tensor& x, const Tensor* positions,
                               KvCache* cache) const {
  const auto& c = config_;
  const auto& w = layers_[static_cast<size_t>(index)];
  const Scratch scratch(exec);
  const int64_t b = x.dim(0), t = x.dim(1);
  if (b == 0 || t == 0) return Status::Ok();

  auto norm = [&](const Tensor& weight, const Tensor& bias, Tensor& out) -> Status {
    if (c.norm == NormKind::kRmsNorm) {
      RmsNormArgs a;
      a.x = &x;
      a.weight = &weight;
      a.out = &out;
      a.eps = c.norm_eps;
      return ops::rms_norm(exec, a);
    }
    LayerNormArgs a;
    a.x = &x;
    a.weight = &weight;
    a.bias = bias.defined() ? &bias : nullptr;
    a.out = &out;
    a.eps = c.norm_eps;
    return ops::layer_norm(exec, a);
  };

  // ---- attention block
  NMC_ASSIGN_OR_RETURN(Tensor h, scratch.make(x.shape()));
  NMC_RETURN_IF_ERROR(norm(w.norm1_w, w.norm1_b, h));
  // q, k and v from one matmul: [B, T, heads + 2 kv_heads, D], then head-range views.
  const int64_t hq = c.heads, hkv = c.kv_heads;
  NMC_ASSIGN_OR_RETURN(Tensor qkv, scratch.make({b, t, (hq + 2 * hkv) * c.head_dim}));
  NMC_RETURN_IF_ERROR(linear(exec, h, qkv_w_[static_cast<size_t>(index)], qkv_b_[static_cast<size_t>(index)], qkv));
  NMC_ASSIGN_OR_RETURN(Tensor heads, qkv.reshape({b, t, hq + 2 * hkv, c.head_dim}));
  NMC_ASSIGN_OR_RETURN(Tensor q4, heads.slice(2, 0, hq));
  NMC_ASSIGN_OR_RETURN(Tensor k4, heads.slice(2, hq, hq + hkv));
  NMC_ASSIGN_OR_RETURN(Tensor v4, heads.slice(2, hq + hkv, hq + 2 * hkv));
  if (c.rope) {
    for (Tensor* r : {&q4, &k4}) {
      RopeArgs a;
      a.x = r;
      a.positions = positions;
      a.out = r;
      a.theta = c.rope_theta;
      a.layout = c.rope_layout;
      NMC_RETURN_IF_ERROR(ops::rope(exec, a));
    }
  }
  NMC_ASSIGN_OR_RETURN(Tensor o, scratch.make({b, t, c.heads * c.head_dim}));
  NMC_ASSIGN_OR_RETURN(Tensor o4, o.reshape({b, t, c.heads, c.head_dim}));
  if (!cache) {
    AttentionArgs a;
    a.q = &q4;
    a.k = &k4;
    a.v = &v4;
    a.out = &o4;
    a.mask = c.mask;
    NMC_RETURN_IF_ERROR(ops::attention(exec, a));
  } else {
    NMC_RETURN_IF_ERROR(cache->write(index, k4, v4));
    NMC_ASSIGN_OR_RETURN(auto parts, cache->parts(index, t));
    std::vector<const Tensor*> kp, vp;
    for (const auto& part : parts) {
      kp.push_back(&part.k);
      vp.push_back(&part.v);
    }
    AttentionArgs a;
    a.q = &q4;
    a.k = kp.front();
    a.v = vp.front();
    a.k_parts = kp;
    a.v_parts = vp;
    a.out = &o4;
    a.mask = c.mask;
    a.q_offset = cache->tokens();
    NMC_RETURN_IF_ERROR(ops::attention(exec, a));
  }
  NMC_RETURN_IF_ERROR(linear(exec, o, w.o_w, w.o_b, h));
  NMC_RETURN_IF_ERROR(add_into(exec, x, h));

  // ---- MLP block
  NMC_RETURN_IF_ERROR(norm(w.norm2_w, w.norm2_b, h));
  NMC_ASSIGN_OR_RETURN(Tensor up, scratch.make({b, t, c.intermediate}));
  NMC_RETURN_IF_ERROR(linear(exec, h, w.up_w, w.up_b, up));
  UnaryArgs act;
  act.kind = c.activation;
  if (c.gated_mlp) {
    NMC_ASSIGN_OR_RETURN(Tensor gate, scratch.make({b, t, c.intermediate}));
    NMC_RETURN_IF_ERROR(linear(exec, h, w.gate_w, w.gate_b, gate));
    act.x = &gate;
    act.out = &gate;
    NMC_RETURN_IF_ERROR(ops::unary(exec, act));
    BinaryArgs mul;
    mul.a = &up;
    mul.b = &gate;
    mul.out = &up;
    mul.kind = BinaryKind::kMul;
    NMC_RETURN_IF_ERROR(ops::binary(exec, mul));
  } else {
    act.x = &up;
    act.out = &up;
    NMC_RETURN_IF_ERROR(ops::unary(exec, act));
  }
  NMC_RETURN_IF_ERROR(linear(exec, up, w.down_w, w.down_b, h));
  return add_into(exec, x, h);
}

}  // namespace nmc
