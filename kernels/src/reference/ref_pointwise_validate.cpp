#include "reference/ref_pointwise_validate.h"

#include <cmath>
#include <string>

namespace nmc::pointwise {

namespace {

std::string desc(const Tensor& t) { return t.describe(); }

// A defined host f32 tensor; `contiguous` additionally requires row-major layout.
Status check_f32(const char* op, const char* name, const Tensor* t, bool contiguous) {
  if (t == nullptr || !t->defined()) return InvalidArgument(std::string(op) + ": " + name + " is missing");
  if (t->device() != Device::kCpu)
    return InvalidArgument(std::string(op) + ": " + name + " must be in host memory, got " + desc(*t));
  if (t->dtype() != DType::kF32)
    return InvalidArgument(std::string(op) + ": " + name + " must be f32, got " + desc(*t));
  if (contiguous && !t->is_contiguous())
    return InvalidArgument(std::string(op) + ": " + name + " must be contiguous, got " + desc(*t));
  return Status::Ok();
}

Status check_shape(const char* op, const char* name, const Tensor& t, const Shape& want) {
  if (t.shape() != want)
    return InvalidArgument(std::string(op) + ": " + name + " must have shape " + want.to_string() + ", got " +
                           t.shape().to_string());
  return Status::Ok();
}

Status check_rank(const char* op, const char* name, const Tensor& t, int rank) {
  if (t.rank() != rank)
    return InvalidArgument(std::string(op) + ": " + name + " must have rank " + std::to_string(rank) + ", got " +
                           t.shape().to_string());
  return Status::Ok();
}

Status check_unit_last(const char* op, const char* name, const Tensor& t) {
  if (t.dim(-1) > 1 && t.stride(-1) != 1)
    return InvalidArgument(std::string(op) + ": " + name + " needs a unit-stride last dim, got strides " +
                           t.strides().to_string());
  return Status::Ok();
}

// Optional per-channel vector: absent, or contiguous f32 [n].
Status check_optional_vec(const char* op, const char* name, const Tensor* t, int64_t n) {
  if (t == nullptr || !t->defined()) return Status::Ok();
  NMC_RETURN_IF_ERROR(check_f32(op, name, t, true));
  return check_shape(op, name, *t, Shape{n});
}

// Norm-style ops: x contiguous f32 rank >= 1, out same shape.
Status check_rows(const char* op, const Tensor* x, const Tensor* out) {
  NMC_RETURN_IF_ERROR(check_f32(op, "x", x, true));
  NMC_RETURN_IF_ERROR(check_f32(op, "out", out, true));
  if (x->rank() < 1) return InvalidArgument(std::string(op) + ": x must have rank >= 1");
  return check_shape(op, "out", *out, x->shape());
}

}  // namespace

Status validate_unary(const UnaryArgs& a) {
  NMC_RETURN_IF_ERROR(check_f32("unary", "x", a.x, true));
  NMC_RETURN_IF_ERROR(check_f32("unary", "out", a.out, true));
  NMC_RETURN_IF_ERROR(check_shape("unary", "out", *a.out, a.x->shape()));
  if (static_cast<int>(a.kind) >= static_cast<int>(UnaryKind::kCount))
    return InvalidArgument("unary: unknown kind " + std::to_string(static_cast<int>(a.kind)));
  return Status::Ok();
}

Status validate_binary(const BinaryArgs& a) {
  NMC_RETURN_IF_ERROR(check_f32("binary", "a", a.a, true));
  NMC_RETURN_IF_ERROR(check_f32("binary", "b", a.b, true));
  NMC_RETURN_IF_ERROR(check_f32("binary", "out", a.out, true));
  NMC_RETURN_IF_ERROR(check_shape("binary", "out", *a.out, a.a->shape()));
  if (static_cast<int>(a.kind) >= static_cast<int>(BinaryKind::kCount))
    return InvalidArgument("binary: unknown kind " + std::to_string(static_cast<int>(a.kind)));
  const Tensor& x = *a.a;
  const Tensor& y = *a.b;
  if (y.rank() > x.rank())
    return InvalidArgument("binary: b " + y.shape().to_string() + " has a higher rank than a " +
                           x.shape().to_string());
  for (int i = 1; i <= y.rank(); ++i) {
    const int64_t db = y.dim(-i), da = x.dim(-i);
    if (db != 1 && db != da)
      return InvalidArgument("binary: b " + y.shape().to_string() + " does not broadcast to a " +
                             x.shape().to_string());
  }
  if (a.out->numel() > 0 && a.out->raw() == y.raw() && y.shape() != x.shape())
    return InvalidArgument("binary: out may alias a, not a broadcast b");
  return Status::Ok();
}

Shape broadcast_strides(const Tensor& a, const Tensor& b) {
  Shape s;
  s.rank = a.rank();
  const int off = a.rank() - b.rank();
  for (int i = 0; i < a.rank(); ++i) {
    if (i < off || b.dim(i - off) == 1) s[i] = 0;
    else s[i] = b.stride(i - off);
  }
  return s;
}

Status validate_snake(const SnakeArgs& a) {
  NMC_RETURN_IF_ERROR(check_f32("snake", "x", a.x, true));
  NMC_RETURN_IF_ERROR(check_f32("snake", "alpha", a.alpha, true));
  NMC_RETURN_IF_ERROR(check_f32("snake", "out", a.out, true));
  NMC_RETURN_IF_ERROR(check_rank("snake", "x", *a.x, 3));
  NMC_RETURN_IF_ERROR(check_shape("snake", "alpha", *a.alpha, Shape{a.x->dim(1)}));
  return check_shape("snake", "out", *a.out, a.x->shape());
}

Status validate_gdn(const GdnArgs& a) {
  NMC_RETURN_IF_ERROR(check_f32("gdn", "x", a.x, true));
  NMC_RETURN_IF_ERROR(check_f32("gdn", "beta", a.beta, true));
  NMC_RETURN_IF_ERROR(check_f32("gdn", "gamma", a.gamma, true));
  NMC_RETURN_IF_ERROR(check_f32("gdn", "out", a.out, true));
  NMC_RETURN_IF_ERROR(check_rank("gdn", "x", *a.x, 4));
  const int64_t c = a.x->dim(1);
  NMC_RETURN_IF_ERROR(check_shape("gdn", "beta", *a.beta, Shape{c}));
  NMC_RETURN_IF_ERROR(check_shape("gdn", "gamma", *a.gamma, Shape{c, c}));
  return check_shape("gdn", "out", *a.out, a.x->shape());
}

Status validate_layer_norm(const LayerNormArgs& a) {
  NMC_RETURN_IF_ERROR(check_rows("layer_norm", a.x, a.out));
  const int64_t d = a.x->dim(-1);
  NMC_RETURN_IF_ERROR(check_optional_vec("layer_norm", "weight", a.weight, d));
  NMC_RETURN_IF_ERROR(check_optional_vec("layer_norm", "bias", a.bias, d));
  if (!(a.eps >= 0.0f)) return InvalidArgument("layer_norm: eps must be >= 0");
  return Status::Ok();
}

Status validate_rms_norm(const RmsNormArgs& a) {
  NMC_RETURN_IF_ERROR(check_rows("rms_norm", a.x, a.out));
  NMC_RETURN_IF_ERROR(check_optional_vec("rms_norm", "weight", a.weight, a.x->dim(-1)));
  if (!(a.eps >= 0.0f)) return InvalidArgument("rms_norm: eps must be >= 0");
  return Status::Ok();
}

Status validate_softmax(const SoftmaxArgs& a) {
  NMC_RETURN_IF_ERROR(check_rows("softmax", a.x, a.out));
  if (!(a.scale == a.scale) || a.scale == INFINITY || a.scale == -INFINITY)
    return InvalidArgument("softmax: scale must be finite");
  return Status::Ok();
}

int64_t rope_rotary_dim(const RopeArgs& a) { return a.rotary_dim == 0 ? a.x->dim(-1) : a.rotary_dim; }

double rope_inv_freq(double theta, int64_t i, int64_t rotary_dim) {
  return std::pow(theta, -2.0 * static_cast<double>(i) / static_cast<double>(rotary_dim));
}

Status validate_rope(const RopeArgs& a) {
  NMC_RETURN_IF_ERROR(check_f32("rope", "x", a.x, false));
  NMC_RETURN_IF_ERROR(check_f32("rope", "positions", a.positions, true));
  NMC_RETURN_IF_ERROR(check_f32("rope", "out", a.out, false));
  NMC_RETURN_IF_ERROR(check_rank("rope", "x", *a.x, 4));
  NMC_RETURN_IF_ERROR(check_unit_last("rope", "x", *a.x));
  NMC_RETURN_IF_ERROR(check_unit_last("rope", "out", *a.out));
  NMC_RETURN_IF_ERROR(check_shape("rope", "out", *a.out, a.x->shape()));
  const int64_t b = a.x->dim(0), t = a.x->dim(1), d = a.x->dim(3);
  const Shape& ps = a.positions->shape();
  if (!(ps == Shape{t}) && !(ps == Shape{b, t}))
    return InvalidArgument("rope: positions must be [T] or [B, T] = " + Shape{b, t}.to_string() + ", got " +
                           ps.to_string());
  if (a.rotary_dim < 0 || a.rotary_dim > d)
    return InvalidArgument("rope: rotary_dim " + std::to_string(a.rotary_dim) + " outside [0, D = " +
                           std::to_string(d) + "]");
  if (rope_rotary_dim(a) % 2 != 0)
    return InvalidArgument("rope: the rotary dim must be even, got " + std::to_string(rope_rotary_dim(a)));
  if (a.layout != RopeLayout::kHalfSplit && a.layout != RopeLayout::kInterleaved)
    return InvalidArgument("rope: unknown layout");
  if (!(a.theta > 0.0f) || a.theta == INFINITY) return InvalidArgument("rope: theta must be positive and finite");
  return Status::Ok();
}

AttentionParts attention_parts(const AttentionArgs& a) {
  AttentionParts p;
  if (a.k_parts.empty()) {
    p.parts.push_back({a.k, a.v, 0});
    return p;
  }
  int64_t first = 0;
  for (size_t i = 0; i < a.k_parts.size(); ++i) {
    p.parts.push_back({a.k_parts[i], a.v_parts[i], first});
    first += a.k_parts[i]->dim(1);
  }
  return p;
}

AttentionMerge attention_merge(double prev_lse, double part_lse) {
  if (part_lse == -INFINITY) return {1.0, 0.0, prev_lse};
  if (prev_lse == -INFINITY) return {0.0, 1.0, part_lse};
  const double m = prev_lse > part_lse ? prev_lse : part_lse;
  const double wp = std::exp(prev_lse - m), wn = std::exp(part_lse - m), sum = wp + wn;
  return {wp / sum, wn / sum, m + std::log(sum)};
}

Status validate_attention(const AttentionArgs& a) {
  NMC_RETURN_IF_ERROR(check_f32("attention", "q", a.q, false));
  NMC_RETURN_IF_ERROR(check_f32("attention", "k", a.k, false));
  NMC_RETURN_IF_ERROR(check_f32("attention", "v", a.v, false));
  NMC_RETURN_IF_ERROR(check_f32("attention", "out", a.out, false));
  const Tensor &q = *a.q, &k = *a.k, &v = *a.v, &o = *a.out;
  NMC_RETURN_IF_ERROR(check_rank("attention", "q", q, 4));
  NMC_RETURN_IF_ERROR(check_rank("attention", "k", k, 4));
  NMC_RETURN_IF_ERROR(check_rank("attention", "v", v, 4));
  NMC_RETURN_IF_ERROR(check_unit_last("attention", "q", q));
  NMC_RETURN_IF_ERROR(check_unit_last("attention", "k", k));
  NMC_RETURN_IF_ERROR(check_unit_last("attention", "v", v));
  NMC_RETURN_IF_ERROR(check_unit_last("attention", "out", o));
  const int64_t b = q.dim(0), tq = q.dim(1), hq = q.dim(2), d = q.dim(3);
  const int64_t tk = k.dim(1), hkv = k.dim(2);
  NMC_RETURN_IF_ERROR(check_shape("attention", "k", k, Shape{b, tk, hkv, d}));
  NMC_RETURN_IF_ERROR(check_shape("attention", "v", v, Shape{b, tk, hkv, v.dim(3)}));
  if (a.k_parts.size() != a.v_parts.size())
    return InvalidArgument("attention: k_parts and v_parts differ in count");
  int64_t total = 0;
  for (size_t i = 0; i < a.k_parts.size(); ++i) {
    NMC_RETURN_IF_ERROR(check_f32("attention", "k part", a.k_parts[i], false));
    NMC_RETURN_IF_ERROR(check_f32("attention", "v part", a.v_parts[i], false));
    const Tensor &kp = *a.k_parts[i], &vp = *a.v_parts[i];
    NMC_RETURN_IF_ERROR(check_rank("attention", "k part", kp, 4));
    NMC_RETURN_IF_ERROR(check_rank("attention", "v part", vp, 4));
    NMC_RETURN_IF_ERROR(check_unit_last("attention", "k part", kp));
    NMC_RETURN_IF_ERROR(check_unit_last("attention", "v part", vp));
    NMC_RETURN_IF_ERROR(check_shape("attention", "k part", kp, Shape{b, kp.dim(1), hkv, d}));
    NMC_RETURN_IF_ERROR(check_shape("attention", "v part", vp, Shape{b, kp.dim(1), hkv, v.dim(3)}));
    total += kp.dim(1);
  }
  if (total >= (int64_t{1} << 62)) return InvalidArgument("attention: too many keys");
  NMC_RETURN_IF_ERROR(check_shape("attention", "out", o, Shape{b, tq, hq, v.dim(3)}));
  if (a.lse) {
    NMC_RETURN_IF_ERROR(check_f32("attention", "lse", a.lse, true));
    NMC_RETURN_IF_ERROR(check_shape("attention", "lse", *a.lse, Shape{b, tq, hq}));
  } else if (a.accumulate) {
    return InvalidArgument("attention: accumulate needs lse");
  }
  if (hkv <= 0 || hq % hkv != 0)
    return InvalidArgument("attention: query heads (" + std::to_string(hq) + ") must be a multiple of kv heads (" +
                           std::to_string(hkv) + ")");
  if (d <= 0) return InvalidArgument("attention: head dim must be positive");
  if (!(a.scale == a.scale) || a.scale == INFINITY || a.scale == -INFINITY)
    return InvalidArgument("attention: scale must be finite (0 = 1/sqrt(D))");
  constexpr int64_t kLimit = int64_t{1} << 62;  // keeps position arithmetic far from overflow
  if (a.q_offset < -kLimit || a.q_offset > kLimit || a.window > kLimit || a.block_size > kLimit)
    return InvalidArgument("attention: q_offset, window or block_size out of range");
  switch (a.mask) {
    case MaskKind::kNone:
    case MaskKind::kCausal: break;
    case MaskKind::kSlidingWindow:
      if (a.window <= 0) return InvalidArgument("attention: sliding-window mask needs window > 0");
      break;
    case MaskKind::kBlockDiagonal:
    case MaskKind::kBlockCausal:
      if (a.block_size <= 0) return InvalidArgument("attention: block mask needs block_size > 0");
      break;
    default: return InvalidArgument("attention: unknown mask kind");
  }
  return Status::Ok();
}

KeyRange visible_keys(const AttentionArgs& a, int64_t p, int64_t tk) {
  auto floor_div = [](int64_t x, int64_t y) { return x >= 0 ? x / y : -((-x + y - 1) / y); };
  int64_t lo = 0, hi = tk;
  switch (a.mask) {
    case MaskKind::kNone: break;
    case MaskKind::kCausal: hi = p + 1; break;
    case MaskKind::kSlidingWindow:
      hi = p + 1;
      lo = p - a.window + 1;
      break;
    case MaskKind::kBlockDiagonal: {
      const int64_t blk = floor_div(p, a.block_size);
      lo = blk * a.block_size;
      hi = lo + a.block_size;
      break;
    }
    case MaskKind::kBlockCausal: hi = (floor_div(p, a.block_size) + 1) * a.block_size; break;
  }
  lo = lo < 0 ? 0 : (lo > tk ? tk : lo);
  hi = hi < lo ? lo : (hi > tk ? tk : hi);
  return {lo, hi};
}

}  // namespace nmc::pointwise
