// Vectorised float math over a cpu_simd.h wrapper V (exp, exp2, expm1, tanh,
// sigmoid, GELU via erfc, sin). Accuracy, checked against double by the
// parity tests (tests/kernels/parity_pointwise_math.cpp):
//   exp, sigmoid, silu, tanh, expm1 (ELU), erfc-based GELU: <= 5e-7 relative
//   (a few ulp) over their whole range; GELU-tanh the same for x >= -2 and
//   <= 2e-5 relative below (the error of the float cubic in its
//   argument limits it); exp flushes below e^-104 to 0 and overflows to +inf
//   above ~88.72 like expf. NaN inputs give unspecified results.
//   sin: <= 2e-7 absolute for |x| <= 1e4 (Cody-Waite reduction by pi).
// Only ISA translation units include this header (internal linkage).
#pragma once

#include "cpu/cpu_simd.h"

namespace nmc::cpu {
namespace {

// 2^r for r in [-0.5, 0.5] (Cephes exp2f minimax polynomial, ~1 ulp).
template <class V>
inline typename V::F exp2_poly(typename V::F r) {
  using F = typename V::F;
  F p = V::set1(1.535336188319500e-4f);
  p = V::fma(p, r, V::set1(1.339887440266574e-3f));
  p = V::fma(p, r, V::set1(9.618437357674640e-3f));
  p = V::fma(p, r, V::set1(5.550332471162809e-2f));
  p = V::fma(p, r, V::set1(2.402264791363012e-1f));
  p = V::fma(p, r, V::set1(6.931472028550421e-1f));
  return V::fma(p, r, V::set1(1.0f));
}

// 2^x for x <= 126, flushed to exactly 0 below about -126.5 (and for -inf); NaN
// input is not allowed (it would clamp to 2^126).
// Used on attention scores (x = s - max <= 0), where masked keys are -inf.
template <class V>
inline typename V::F exp2_clamped(typename V::F x) {
  x = V::max(V::min(x, V::set1(126.0f)), V::set1(-127.0f));
  const auto n = V::round(x);
  return V::mul(exp2_poly<V>(V::sub(x, n)), V::pow2i(n));
}

// e^x with Cody-Waite reduction: x = n ln2 + r, |r| <= ln2/2; the scale 2^n is
// applied as two factors so results reach the subnormal range and overflow to inf.
template <class V>
inline typename V::F exp(typename V::F x) {
  using F = typename V::F;
  x = V::max(V::min(x, V::set1(89.0f)), V::set1(-104.0f));
  const F n = V::round(V::mul(x, V::set1(1.44269504088896341f)));
  F r = V::fnma(n, V::set1(0.693359375f), x);
  r = V::fnma(n, V::set1(-2.12194440e-4f), r);
  F p = V::set1(1.9875691500e-4f);
  p = V::fma(p, r, V::set1(1.3981999507e-3f));
  p = V::fma(p, r, V::set1(8.3334519073e-3f));
  p = V::fma(p, r, V::set1(4.1665795894e-2f));
  p = V::fma(p, r, V::set1(1.6666665459e-1f));
  p = V::fma(p, r, V::set1(5.0000001201e-1f));
  p = V::fma(V::mul(p, r), r, V::add(r, V::set1(1.0f)));
  const F n1 = V::round(V::mul(n, V::set1(0.5f)));
  return V::mul(V::mul(p, V::pow2i(n1)), V::pow2i(V::sub(n, n1)));
}

// e^x - 1 without cancellation near 0 (Taylor to x^9 for |x| < 0.5).
template <class V>
inline typename V::F expm1(typename V::F x) {
  using F = typename V::F;
  F t = V::set1(1.0f / 362880.0f);
  t = V::fma(t, x, V::set1(1.0f / 40320.0f));
  t = V::fma(t, x, V::set1(1.0f / 5040.0f));
  t = V::fma(t, x, V::set1(1.0f / 720.0f));
  t = V::fma(t, x, V::set1(1.0f / 120.0f));
  t = V::fma(t, x, V::set1(1.0f / 24.0f));
  t = V::fma(t, x, V::set1(1.0f / 6.0f));
  t = V::fma(t, x, V::set1(0.5f));
  t = V::fma(V::mul(t, x), x, x);
  const F big = V::sub(exp<V>(x), V::set1(1.0f));
  return V::select(V::lt(V::abs(x), V::set1(0.5f)), t, big);
}

// 1 / (1 + e^-x); exact limits 0 and 1, no cancellation for negative x.
template <class V>
inline typename V::F sigmoid(typename V::F x) {
  return V::div(V::set1(1.0f), V::add(V::set1(1.0f), exp<V>(V::sub(V::zero(), x))));
}

// tanh: odd polynomial (Cephes tanhf) for |x| < 0.625, else 1 - 2/(e^2|x| + 1).
template <class V>
inline typename V::F tanh(typename V::F x) {
  using F = typename V::F;
  const F ax = V::abs(x);
  const F z = V::mul(x, x);
  F p = V::set1(-5.70498872745e-3f);
  p = V::fma(p, z, V::set1(2.06390887954e-2f));
  p = V::fma(p, z, V::set1(-5.37397155531e-2f));
  p = V::fma(p, z, V::set1(1.33314422036e-1f));
  p = V::fma(p, z, V::set1(-3.33332819422e-1f));
  const F small = V::fma(V::mul(p, z), x, x);
  const F e = exp<V>(V::add(ax, ax));
  const F large = V::sub(V::set1(1.0f), V::div(V::set1(2.0f), V::add(e, V::set1(1.0f))));
  return V::select(V::lt(ax, V::set1(0.625f)), small, V::copysign(large, x));
}

// erfc(|x| / sqrt2) with relative error ~1.2e-7 (Numerical Recipes erfcc,
// Chebyshev fit). The exponent -x^2/2 is formed from x itself with its
// rounding error carried, so large |x| keeps full relative accuracy.
template <class V>
inline typename V::F erfc_abs_over_sqrt2(typename V::F x) {
  using F = typename V::F;
  const F z = V::mul(V::abs(x), V::set1(0.70710678118654752f));
  const F t = V::div(V::set1(1.0f), V::fma(V::set1(0.5f), z, V::set1(1.0f)));
  F p = V::set1(0.17087277f);
  p = V::fma(p, t, V::set1(-0.82215223f));
  p = V::fma(p, t, V::set1(1.48851587f));
  p = V::fma(p, t, V::set1(-1.13520398f));
  p = V::fma(p, t, V::set1(0.27886807f));
  p = V::fma(p, t, V::set1(-0.18628806f));
  p = V::fma(p, t, V::set1(0.09678418f));
  p = V::fma(p, t, V::set1(0.37409196f));
  p = V::fma(p, t, V::set1(1.00002368f));
  p = V::fma(p, t, V::set1(-1.26551223f));
  const F xx = V::mul(x, x);
  const F zz = V::mul(xx, V::set1(0.5f));                                              // exact halving
  const F zz_err = V::mul(V::fma(x, x, V::sub(V::zero(), xx)), V::set1(0.5f));         // x*x - xx, halved
  const F a = V::sub(p, zz);                                     // Fast2Sum: |zz| >= |p| once z > 1.2
  const F a_err = V::sub(V::sub(p, V::add(a, zz)), zz_err);
  const F e = exp<V>(a);
  return V::mul(t, V::fma(e, a_err, e));
}

// Exact GELU 0.5 x (1 + erf(x / sqrt2)) = x (1 - erfc(z)/2) for x >= 0 and
// x erfc(-z)/2 for x < 0, z = |x| / sqrt2: relative accuracy on both sides.
template <class V>
inline typename V::F gelu_erf(typename V::F x) {
  using F = typename V::F;
  const F h = V::mul(V::set1(0.5f), erfc_abs_over_sqrt2<V>(x));
  const F f = V::select(V::ge(x, V::zero()), V::sub(V::set1(1.0f), h), h);
  return V::mul(x, f);
}

// GELU with the tanh approximation: 0.5 x (1 + tanh(u)) = x sigmoid(2u).
template <class V>
inline typename V::F gelu_tanh(typename V::F x) {
  using F = typename V::F;
  const F x3 = V::mul(V::mul(x, x), x);
  const F u = V::mul(V::set1(0.7978845608028654f), V::fma(V::set1(0.044715f), x3, x));
  return V::mul(x, sigmoid<V>(V::add(u, u)));
}

// sin(x): x = k pi + r (three-part pi), |r| <= pi/2, Taylor to r^13, sign (-1)^k.
template <class V>
inline typename V::F sin(typename V::F x) {
  using F = typename V::F;
  const F k = V::round(V::mul(x, V::set1(0.318309886183790672f)));
  F r = V::fnma(k, V::set1(3.140625f), x);
  r = V::fnma(k, V::set1(9.67502593994140625e-4f), r);
  r = V::fnma(k, V::set1(1.509957990978376432e-7f), r);
  const F z = V::mul(r, r);
  F p = V::set1(1.0f / 6227020800.0f);
  p = V::fma(p, z, V::set1(-1.0f / 39916800.0f));
  p = V::fma(p, z, V::set1(1.0f / 362880.0f));
  p = V::fma(p, z, V::set1(-1.0f / 5040.0f));
  p = V::fma(p, z, V::set1(1.0f / 120.0f));
  p = V::fma(p, z, V::set1(-1.0f / 6.0f));
  const F s = V::fma(V::mul(p, z), r, r);
  return V::flip_if_odd(k, s);
}

}  // namespace
}  // namespace nmc::cpu
