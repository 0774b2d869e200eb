// Q120 arithmetic and erfc; see fixed_point.h for the method and error bound.
#include "fixed_point.h"

#include <array>

namespace nmc::entropy::fixed {
namespace {

// round(2/sqrt(pi) * 2^120), from a 300-bit evaluation.
constexpr i128 kTwoOverSqrtPi = (i128(0x120dd750429b6d1ULL) << 64) | i128(0x1ae3a914fed7fd87ULL);
// erfc is tabulated at a0 = k / 8 for k = 0 .. kNodes - 1; beyond 12 it is < 2^-210.
constexpr int kNodeShift = 3;  // node spacing 2^-3
constexpr int kNodes = 97;
constexpr i128 kLimit = i128(12) << kFracBits;
// Series terms kept at most; the terms fall below 2^-120 long before (about 60 for
// |2 a0 h| <= 3, the node-chain worst case).
constexpr int kMaxTerms = 200;

u128 magnitude(i128 v) { return v < 0 ? u128(0) - u128(v) : u128(v); }

// sum_n (-1)^n b_n / (n + 1) for the Taylor step of length h from a0 (both Q120).
i128 step_series(i128 a0, i128 h) {
  const i128 p = mul(2 * a0, h);  // 2 a0 h
  const i128 q = mul(2 * h, h);   // 2 h^2
  i128 b_prev = kOne;             // b_0
  i128 b = p;                     // b_1
  i128 sum = kOne - b / 2;
  for (int n = 1; n < kMaxTerms && (b != 0 || b_prev != 0); ++n) {
    const i128 b_next = (mul(p, b) - mul(q, b_prev)) / (n + 1);
    const i128 term = b_next / (n + 2);
    sum += (n % 2 == 1) ? term : -term;  // sign (-1)^(n+1)
    b_prev = b;
    b = b_next;
  }
  return sum;
}

struct Nodes {
  std::array<i128, kNodes> erfc;  // erfc(k / 8)
  std::array<i128, kNodes> g;     // 2/sqrt(pi) * exp(-(k / 8)^2)
};

Nodes make_nodes() {
  // r = exp(-1/64) by its Taylor series (terms alternate and shrink by >= 64x).
  i128 r = kOne;
  i128 term = kOne;
  for (int n = 1; term != 0; ++n) {
    term = -term / (64 * n);
    r += term;
  }
  const i128 r2 = mul(r, r);
  Nodes nodes;
  const i128 h = kOne >> kNodeShift;
  i128 ratio = r;  // exp(-(2k + 1) / 64) = g_{k+1} / g_k
  nodes.erfc[0] = kOne;
  nodes.g[0] = kTwoOverSqrtPi;
  for (int k = 0; k + 1 < kNodes; ++k) {
    const i128 a0 = i128(k) << (kFracBits - kNodeShift);
    nodes.erfc[k + 1] = nodes.erfc[k] - mul(mul(nodes.g[k], h), step_series(a0, h));
    nodes.g[k + 1] = mul(nodes.g[k], ratio);
    ratio = mul(ratio, r2);
  }
  return nodes;
}

const Nodes& nodes() {
  static const Nodes table = make_nodes();
  return table;
}

}  // namespace

i128 mul(i128 a, i128 b) {
  const bool negative = (a < 0) != (b < 0);
  const u128 x = magnitude(a);
  const u128 y = magnitude(b);
  const uint64_t x0 = uint64_t(x), x1 = uint64_t(x >> 64);
  const uint64_t y0 = uint64_t(y), y1 = uint64_t(y >> 64);
  const u128 p00 = u128(x0) * y0, p01 = u128(x0) * y1, p10 = u128(x1) * y0, p11 = u128(x1) * y1;
  // 256-bit product = hi * 2^128 + lo.
  const u128 mid = (p00 >> 64) + uint64_t(p01) + uint64_t(p10);
  const u128 lo = (mid << 64) | uint64_t(p00);
  const u128 hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
  const u128 r = (hi << (128 - kFracBits)) | (lo >> kFracBits);
  return negative ? -i128(r) : i128(r);
}

u128 div_shifted(uint64_t num, int shift, uint64_t den, bool* inexact) {
  u128 q = num / den;
  uint64_t rem = num % den;
  while (shift > 0) {
    const int step = shift < 64 ? shift : 64;
    const u128 wide = u128(rem) << step;  // rem < den < 2^64, so this fits
    q = (q << step) | (wide / den);
    rem = uint64_t(wide % den);
    shift -= step;
  }
  if (inexact != nullptr) *inexact = rem != 0;
  return q;
}

u128 erfc_q120(i128 a) {
  if (a < 0) return (u128(2) << kFracBits) - erfc_q120(-a);
  if (a >= kLimit) return 0;
  const Nodes& table = nodes();
  // Nearest node k = round(8 a); |h| <= 1/16.
  const int k = int((a + (kOne >> (kNodeShift + 1))) >> (kFracBits - kNodeShift));
  const i128 a0 = i128(k) << (kFracBits - kNodeShift);
  const i128 h = a - a0;
  const i128 value = table.erfc[k] - mul(mul(table.g[k], h), step_series(a0, h));
  return value <= 0 ? 0 : u128(value);
}

}  // namespace nmc::entropy::fixed
