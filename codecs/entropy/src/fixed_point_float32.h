// Exact emulation of IEEE-754 binary32 arithmetic (round to nearest, ties to
// even) with integers only.
//
// CompressAI computes its Gaussian tables in float32. Each of its float32 steps
// (+, -, *, / of two floats) is correctly rounded by IEEE-754, so integer code
// that rounds the exact result the same way reproduces it bit for bit on every
// platform without touching the FPU. A Float32 here is the exact value
// (-1)^negative * mant * 2^exp with mant in [2^23, 2^24) (normalised) or 0.
// Exponents are not clamped to the binary32 range: a result that IEEE would turn
// into an infinity or round as a subnormal keeps its 24-bit mantissa here. The
// table builders reach such values only for tiny scales (x = 0.5 / scale beyond
// 2^128), where erfc(+-huge) is 0 or 2 either way, and for erfc values below
// 2^-126, which cannot affect a 16-bit frequency (gaussian_tables.cpp).
#pragma once

#include <cstdint>

#include "fixed_point.h"

namespace nmc::entropy::fixed {

struct Float32 {
  bool negative = false;
  uint32_t mant = 0;  // 0, or in [2^23, 2^24)
  int32_t exp = 0;
  bool is_zero() const { return mant == 0; }
};

// The value of the binary32 bit pattern `bits`. Precondition: finite (exponent
// field != 255). Subnormals are decoded exactly and normalised.
Float32 float32_from_bits(uint32_t bits);
// True when `bits` is a finite binary32 value.
inline bool float32_bits_finite(uint32_t bits) { return ((bits >> 23) & 0xFF) != 0xFF; }

// Rounds (-1)^negative * (mag + sticky_fraction) * 2^exp to 24 bits, ties to even,
// where `sticky` says that the true value lies strictly above mag (by less than
// one unit of mag's last bit). Precondition: mag >= 2^26 whenever sticky is set.
Float32 round_to_float32(bool negative, u128 mag, int exp, bool sticky);

// The float32 results of a + b, a - b, a * b, a / b (b != 0 for div).
Float32 add(Float32 a, Float32 b);
Float32 sub(Float32 a, Float32 b);
Float32 mul(Float32 a, Float32 b);
Float32 div(Float32 a, Float32 b);

// Exact integer ceil(a) for |a| < 2^62.
int64_t ceil_to_int(Float32 a);
// floor(|a| * 2^frac_bits) for 0 <= frac_bits <= 62 and |a| <= 1.
uint64_t to_fixed_floor(Float32 a, int frac_bits);
// round-toward-zero of a in Q120. Precondition: |a| < 64.
i128 to_q120(Float32 a);

}  // namespace nmc::entropy::fixed
