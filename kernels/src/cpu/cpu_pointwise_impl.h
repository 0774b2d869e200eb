// Elementwise, norm, softmax, GDN, snake and rope kernels written once over a
// cpu_simd.h wrapper V and instantiated per ISA by cpu_pointwise_avx512.cpp /
// cpu_pointwise_avx2.cpp (internal linkage). Contracts: cpu_pointwise_kernels.h.
#pragma once

#include <cstdint>

#include "cpu/cpu_math.h"
#include "cpu/cpu_pointwise_kernels.h"

namespace nmc::cpu {
namespace {

// y[i] = f(x[i]) for i < n, full vectors then one masked tail.
template <class V, class Fn>
inline void map1(const float* x, float* y, int64_t n, Fn f) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::store(y + i, f(V::load(x + i)));
  if (i < n) V::store_n(y + i, f(V::load_n(x + i, n - i)), n - i);
}

template <class V>
void unary_kernel(const float* x, float* y, int64_t n, UnaryKind kind, float alpha, float beta) {
  using F = typename V::F;
  const F va = V::set1(alpha), vb = V::set1(beta), z = V::zero();
  switch (kind) {
    case UnaryKind::kIdentity: map1<V>(x, y, n, [](F v) { return v; }); break;
    case UnaryKind::kRelu: map1<V>(x, y, n, [&](F v) { return V::max(v, z); }); break;
    case UnaryKind::kGelu: map1<V>(x, y, n, [](F v) { return gelu_erf<V>(v); }); break;
    case UnaryKind::kGeluTanh: map1<V>(x, y, n, [](F v) { return gelu_tanh<V>(v); }); break;
    case UnaryKind::kSilu: map1<V>(x, y, n, [](F v) { return V::mul(v, sigmoid<V>(v)); }); break;
    case UnaryKind::kElu:
      map1<V>(x, y, n, [&](F v) { return V::select(V::gt(v, z), v, V::mul(va, expm1<V>(v))); });
      break;
    case UnaryKind::kLeakyRelu:
      map1<V>(x, y, n, [&](F v) { return V::select(V::gt(v, z), v, V::mul(va, v)); });
      break;
    case UnaryKind::kTanh: map1<V>(x, y, n, [](F v) { return tanh<V>(v); }); break;
    case UnaryKind::kSigmoid: map1<V>(x, y, n, [](F v) { return sigmoid<V>(v); }); break;
    case UnaryKind::kExp: map1<V>(x, y, n, [](F v) { return exp<V>(v); }); break;
    case UnaryKind::kAbs: map1<V>(x, y, n, [](F v) { return V::abs(v); }); break;
    case UnaryKind::kSquare: map1<V>(x, y, n, [](F v) { return V::mul(v, v); }); break;
    case UnaryKind::kSqrt: map1<V>(x, y, n, [](F v) { return V::sqrt(v); }); break;
    case UnaryKind::kAffine: map1<V>(x, y, n, [&](F v) { return V::fma(va, v, vb); }); break;
    case UnaryKind::kCount: break;
  }
}

template <class V, class Fn>
inline void map2(const float* a, const float* b, int64_t b_step, float* y, int64_t n, Fn f) {
  int64_t i = 0;
  if (b_step == 0) {
    const auto vb = V::set1(b[0]);
    for (; i + V::W <= n; i += V::W) V::store(y + i, f(V::load(a + i), vb));
    if (i < n) V::store_n(y + i, f(V::load_n(a + i, n - i), vb), n - i);
    return;
  }
  for (; i + V::W <= n; i += V::W) V::store(y + i, f(V::load(a + i), V::load(b + i)));
  if (i < n) V::store_n(y + i, f(V::load_n(a + i, n - i), V::load_n(b + i, n - i)), n - i);
}

template <class V>
void binary_kernel(const float* a, const float* b, int64_t b_step, float* y, int64_t n, BinaryKind kind) {
  using F = typename V::F;
  switch (kind) {
    case BinaryKind::kAdd: map2<V>(a, b, b_step, y, n, [](F p, F q) { return V::add(p, q); }); break;
    case BinaryKind::kSub: map2<V>(a, b, b_step, y, n, [](F p, F q) { return V::sub(p, q); }); break;
    case BinaryKind::kMul: map2<V>(a, b, b_step, y, n, [](F p, F q) { return V::mul(p, q); }); break;
    case BinaryKind::kDiv: map2<V>(a, b, b_step, y, n, [](F p, F q) { return V::div(p, q); }); break;
    // max/min: a wins on ties and when b is NaN; matches the reference's a > b ? a : b.
    case BinaryKind::kMax: map2<V>(a, b, b_step, y, n, [](F p, F q) { return V::select(V::gt(p, q), p, q); }); break;
    case BinaryKind::kMin: map2<V>(a, b, b_step, y, n, [](F p, F q) { return V::select(V::lt(p, q), p, q); }); break;
    case BinaryKind::kCount: break;
  }
}

template <class V>
void snake_kernel(const float* x, float* y, int64_t n, float alpha, float inv_alpha) {
  using F = typename V::F;
  const F va = V::set1(alpha), vi = V::set1(inv_alpha);
  map1<V>(x, y, n, [&](F v) {
    const F s = sin<V>(V::mul(va, v));
    return V::fma(V::mul(s, s), vi, v);
  });
}

template <class V>
void gdn_kernel(const float* x, float* y, int64_t npix, int64_t c, int64_t cs, const float* beta,
                const float* gamma, bool inverse, float* sq) {
  using F = typename V::F;
  // sq[j][p] = x[j][p]^2 (contiguous per channel) so every output channel
  // streams the squares once; then norm_c = beta_c + sum_j gamma[c, j] sq[j].
  for (int64_t j = 0; j < c; ++j) map1<V>(x + j * cs, sq + j * npix, npix, [](F v) { return V::mul(v, v); });
  // Finishes output channel ch for nn <= W pixels from p0 given its norm.
  auto finish = [&](int64_t ch, int64_t p0, int64_t nn, F norm) {
    const F root = V::sqrt(norm);
    const F xv = V::load_n(x + ch * cs + p0, nn);
    V::store_n(y + ch * cs + p0, inverse ? V::mul(xv, root) : V::div(xv, root), nn);
  };
  // Blocks of 4 output channels x 4 vectors of pixels: 16 independent
  // accumulators share each load and broadcast (the single-chain loop below
  // is FMA-latency bound). Every element still sums beta_c, then gamma[c, j]
  // sq[j] for j = 0, 1, ... in order, so both paths give identical results.
  constexpr int64_t kC = 4, kV = 4;
  int64_t ch0 = 0;
  for (; ch0 + kC <= c; ch0 += kC) {
    int64_t p0 = 0;
    for (; p0 + kV * V::W <= npix; p0 += kV * V::W) {
      F acc[kC][kV];
      for (int64_t r = 0; r < kC; ++r)
        for (int64_t k = 0; k < kV; ++k) acc[r][k] = V::set1(beta[ch0 + r]);
      for (int64_t j = 0; j < c; ++j) {
        const float* sj = sq + j * npix + p0;
        F s[kV];
        for (int64_t k = 0; k < kV; ++k) s[k] = V::load(sj + k * V::W);
        for (int64_t r = 0; r < kC; ++r) {
          const F g = V::set1(gamma[(ch0 + r) * c + j]);
          for (int64_t k = 0; k < kV; ++k) acc[r][k] = V::fma(g, s[k], acc[r][k]);
        }
      }
      for (int64_t r = 0; r < kC; ++r)
        for (int64_t k = 0; k < kV; ++k) finish(ch0 + r, p0 + k * V::W, V::W, acc[r][k]);
    }
    // Remaining pixels of this channel block, one vector at a time.
    for (int64_t r = 0; r < kC; ++r) {
      const float* g = gamma + (ch0 + r) * c;
      for (int64_t q = p0; q < npix; q += V::W) {
        const int64_t nn = npix - q < V::W ? npix - q : V::W;
        F acc = V::set1(beta[ch0 + r]);
        for (int64_t j = 0; j < c; ++j) acc = V::fma(V::set1(g[j]), V::load_n(sq + j * npix + q, nn), acc);
        finish(ch0 + r, q, nn, acc);
      }
    }
  }
  for (int64_t ch = ch0; ch < c; ++ch) {
    const float* g = gamma + ch * c;
    for (int64_t p0 = 0; p0 < npix; p0 += V::W) {
      const int64_t nn = npix - p0 < V::W ? npix - p0 : V::W;
      F acc = V::set1(beta[ch]);
      for (int64_t j = 0; j < c; ++j) acc = V::fma(V::set1(g[j]), V::load_n(sq + j * npix + p0, nn), acc);
      finish(ch, p0, nn, acc);
    }
  }
}

// Sum of x[i] (or of (x[i] - mean)^2 when Centered), four accumulators.
template <class V, bool Centered>
inline float row_sum(const float* x, int64_t d, float mean) {
  using F = typename V::F;
  const F m = V::set1(mean);
  F a0 = V::zero(), a1 = V::zero(), a2 = V::zero(), a3 = V::zero();
  auto term = [&](F v) {
    if constexpr (Centered) {
      v = V::sub(v, m);
      return V::mul(v, v);
    } else {
      return v;
    }
  };
  int64_t i = 0;
  for (; i + 4 * V::W <= d; i += 4 * V::W) {
    a0 = V::add(a0, term(V::load(x + i)));
    a1 = V::add(a1, term(V::load(x + i + V::W)));
    a2 = V::add(a2, term(V::load(x + i + 2 * V::W)));
    a3 = V::add(a3, term(V::load(x + i + 3 * V::W)));
  }
  for (; i + V::W <= d; i += V::W) a0 = V::add(a0, term(V::load(x + i)));
  if (i < d) {
    const F t = term(V::load_n(x + i, d - i));
    a1 = V::add(a1, V::select(V::lt(V::iota(), V::set1(static_cast<float>(d - i))), t, V::zero()));
  }
  return V::hsum(V::add(V::add(a0, a1), V::add(a2, a3)));
}

template <class V>
inline float row_sumsq(const float* x, int64_t d) {
  using F = typename V::F;
  F a0 = V::zero(), a1 = V::zero(), a2 = V::zero(), a3 = V::zero();
  int64_t i = 0;
  for (; i + 4 * V::W <= d; i += 4 * V::W) {
    F v0 = V::load(x + i), v1 = V::load(x + i + V::W), v2 = V::load(x + i + 2 * V::W), v3 = V::load(x + i + 3 * V::W);
    a0 = V::fma(v0, v0, a0);
    a1 = V::fma(v1, v1, a1);
    a2 = V::fma(v2, v2, a2);
    a3 = V::fma(v3, v3, a3);
  }
  for (; i + V::W <= d; i += V::W) {
    const F v = V::load(x + i);
    a0 = V::fma(v, v, a0);
  }
  if (i < d) {
    const F v = V::load_n(x + i, d - i);
    a1 = V::fma(v, v, a1);
  }
  return V::hsum(V::add(V::add(a0, a1), V::add(a2, a3)));
}

template <class V>
void layer_norm_row_kernel(const float* x, float* y, int64_t d, const float* w, const float* b, float eps) {
  using F = typename V::F;
  const float mean = row_sum<V, false>(x, d, 0.0f) / static_cast<float>(d);
  const float var = row_sum<V, true>(x, d, mean) / static_cast<float>(d);
  const float inv = 1.0f / __builtin_sqrtf(var + eps);
  const F vm = V::set1(mean), vi = V::set1(inv);
  for (int64_t i = 0; i < d; i += V::W) {
    const int64_t n = d - i < V::W ? d - i : V::W;
    F v = V::mul(V::sub(V::load_n(x + i, n), vm), vi);
    if (w) v = V::mul(v, V::load_n(w + i, n));
    if (b) v = V::add(v, V::load_n(b + i, n));
    V::store_n(y + i, v, n);
  }
}

template <class V>
void rms_norm_row_kernel(const float* x, float* y, int64_t d, const float* w, float eps) {
  using F = typename V::F;
  const float ms = row_sumsq<V>(x, d) / static_cast<float>(d);
  const F vi = V::set1(1.0f / __builtin_sqrtf(ms + eps));
  int64_t i = 0;
  for (; i + V::W <= d; i += V::W) {
    F v = V::mul(V::load(x + i), vi);
    if (w) v = V::mul(v, V::load(w + i));
    V::store(y + i, v);
  }
  if (i < d) {
    F v = V::mul(V::load_n(x + i, d - i), vi);
    if (w) v = V::mul(v, V::load_n(w + i, d - i));
    V::store_n(y + i, v, d - i);
  }
}

template <class V>
void softmax_row_kernel(const float* x, float* y, int64_t d, float scale) {
  using F = typename V::F;
  // Max of scale * x: the max of x for scale >= 0, else the min.
  const F neg_inf = V::set1(-__builtin_inff());
  const F vs = V::set1(scale);
  F mx = neg_inf;
  int64_t i = 0;
  for (; i + V::W <= d; i += V::W) mx = V::max(mx, V::mul(V::load(x + i), vs));
  if (i < d) {
    const F t = V::mul(V::load_n(x + i, d - i), vs);
    mx = V::max(mx, V::select(V::lt(V::iota(), V::set1(static_cast<float>(d - i))), t, neg_inf));
  }
  const F m = V::set1(V::hmax(mx));
  F sum = V::zero();
  for (i = 0; i + V::W <= d; i += V::W) {
    const F e = exp<V>(V::fnma(V::set1(-scale), V::load(x + i), V::sub(V::zero(), m)));
    sum = V::add(sum, e);
    V::store(y + i, e);
  }
  if (i < d) {
    const F e = exp<V>(V::fnma(V::set1(-scale), V::load_n(x + i, d - i), V::sub(V::zero(), m)));
    sum = V::add(sum, V::select(V::lt(V::iota(), V::set1(static_cast<float>(d - i))), e, V::zero()));
    V::store_n(y + i, e, d - i);
  }
  const F inv = V::set1(1.0f / V::hsum(sum));
  map1<V>(y, y, d, [&](F v) { return V::mul(v, inv); });
}

template <class V>
void sin_kernel(const float* x, float* y, int64_t n) {
  map1<V>(x, y, n, [](typename V::F v) { return sin<V>(v); });
}

template <class V>
void rope_row_kernel(const float* x, float* y, const float* c, const float* s, int64_t rot, int64_t d,
                     RopeLayout layout) {
  using F = typename V::F;
  if (layout == RopeLayout::kHalfSplit) {
    const int64_t half = rot / 2;
    for (int64_t i = 0; i < half; i += V::W) {
      const int64_t n = half - i < V::W ? half - i : V::W;
      const F x0 = V::load_n(x + i, n), x1 = V::load_n(x + half + i, n);
      const F y0 = V::fma(x1, V::load_n(s + i, n), V::mul(x0, V::load_n(c + i, n)));
      const F y1 = V::fma(x0, V::load_n(s + half + i, n), V::mul(x1, V::load_n(c + half + i, n)));
      V::store_n(y + i, y0, n);
      V::store_n(y + half + i, y1, n);
    }
  } else {
    for (int64_t i = 0; i < rot; i += V::W) {
      const int64_t n = rot - i < V::W ? rot - i : V::W;
      const F xv = V::load_n(x + i, n);
      V::store_n(y + i, V::fma(V::swap_pairs(xv), V::load_n(s + i, n), V::mul(xv, V::load_n(c + i, n))), n);
    }
  }
  if (y != x)
    for (int64_t i = rot; i < d; ++i) y[i] = x[i];
}

}  // namespace
}  // namespace nmc::cpu
