// Integer-only fixed-point arithmetic for the CDF table builders.
//
// Everything here uses 64- and 128-bit integers only (GCC/Clang __int128), so
// results are bit-identical on every platform and compiler. Q120 is the format
// used throughout: an i128 holding round(x * 2^120), which covers |x| < 128.
//
// Thread rules: all functions are pure; erfc_q120 builds a constant node table
// on first use (a function-local static, thread-safe initialisation).
#pragma once

#include <cstdint>

namespace nmc::entropy::fixed {

using u128 = unsigned __int128;
using i128 = __int128;

inline constexpr int kFracBits = 120;
inline constexpr i128 kOne = i128(1) << kFracBits;

// a * b in Q120, rounded toward zero. The caller guarantees |a * b| < 128.
i128 mul(i128 a, i128 b);

// floor(num * 2^shift / den) for den > 0, shift >= 0; `*inexact` (if not null) is
// set to whether the division left a remainder. The caller guarantees that the
// quotient fits in 128 bits.
u128 div_shifted(uint64_t num, int shift, uint64_t den, bool* inexact);

// erfc(a) in Q120 for a in Q120, result in [0, 2] (0 for a >= 12, 2 for a <= -12,
// where the true value is within 2^-210 of it).
//
// Method: erfc is known exactly at a = 0; from there a chain of Taylor steps of
// length 1/8 gives erfc at the nodes k/8 (k = 0..96), and a point a is reached by
// one Taylor step |h| <= 1/16 from its nearest node. The step uses
//   erfc(a0 + h) = erfc(a0) - g(a0) * h * sum_n (-1)^n b_n / (n + 1),
//   g(a0) = 2/sqrt(pi) * exp(-a0^2),  b_n = H_n(a0) h^n / n!  (physicists' Hermite),
//   b_0 = 1, b_1 = 2 a0 h, b_{n+1} = (2 a0 h b_n - 2 h^2 b_{n-1}) / (n + 1),
// which keeps every intermediate below 8 in magnitude (no cancellation beyond
// 3 bits, no overflow). exp(-a0^2) at the nodes is built from exp(-1/64) (its
// Taylor series) by exp(-(k+1)^2/64) = exp(-k^2/64) * exp(-1/64)^(2k+1).
//
// Error bound: every Q120 operation truncates by < 2^-120; one Taylor step does
// < 3 * 80 such operations on values < 8, so it errs by < 2^-110; the node chain
// adds 96 steps (< 2^-103), the constant 2/sqrt(pi) is rounded to 2^-121 and
// exp(-a0^2) carries a relative error < 2^-105. In total |error| < 2^-100, i.e. a
// relative error < 2^-56 for every erfc value >= 2^-44, which is the smallest
// value that can influence a 16-bit quantized frequency (see gaussian_tables.cpp).
// Measured against a 300-bit reference on 4000 points in [-12.5, 12.5]: the
// largest error is 2^-113.6.
u128 erfc_q120(i128 a);

}  // namespace nmc::entropy::fixed
