// Integer emulation of binary32 arithmetic; see fixed_point_float32.h.
#include "fixed_point_float32.h"

#include <bit>

namespace nmc::entropy::fixed {
namespace {

int bit_width128(u128 v) {
  const uint64_t hi = uint64_t(v >> 64);
  return hi != 0 ? 64 + std::bit_width(hi) : std::bit_width(uint64_t(v));
}

// Exponent difference beyond which the smaller addend cannot change the rounded
// sum: it is then below 2^-16 units in the last place of the larger one.
constexpr int kAddShiftLimit = 40;

}  // namespace

Float32 float32_from_bits(uint32_t bits) {
  const bool negative = (bits >> 31) != 0;
  const uint32_t biased = (bits >> 23) & 0xFF;
  const uint32_t fraction = bits & 0x7FFFFF;
  if (biased == 0) {  // zero or subnormal: fraction * 2^-149
    return round_to_float32(negative, fraction, -149, false);
  }
  return Float32{negative, fraction | 0x800000u, int32_t(biased) - 150};
}

Float32 round_to_float32(bool negative, u128 mag, int exp, bool sticky) {
  if (mag == 0) return Float32{negative, 0, 0};
  int width = bit_width128(mag);
  if (width <= 24) {  // exact (sticky is only allowed with >= 26 bits)
    const int up = 24 - width;
    return Float32{negative, uint32_t(mag << up), exp - up};
  }
  const int drop = width - 24;
  uint64_t mant = uint64_t(mag >> drop);
  const u128 rest = mag & ((u128(1) << drop) - 1);
  const u128 half = u128(1) << (drop - 1);
  const bool round_up = rest > half || (rest == half && (sticky || (mant & 1) != 0));
  if (round_up) ++mant;
  exp += drop;
  if (mant == (uint64_t(1) << 24)) {
    mant >>= 1;
    ++exp;
  }
  return Float32{negative, uint32_t(mant), exp};
}

Float32 add(Float32 a, Float32 b) {
  if (a.is_zero()) return b;
  if (b.is_zero()) return a;
  // Make `a` the operand with the larger exponent (normalised mantissas, so also
  // the larger magnitude unless the exponents are equal).
  if (b.exp > a.exp) {
    const Float32 t = a;
    a = b;
    b = t;
  }
  const int shift = a.exp - b.exp;
  if (shift > kAddShiftLimit) return a;
  const u128 big = u128(a.mant) << shift;
  const u128 small = b.mant;
  if (a.negative == b.negative) return round_to_float32(a.negative, big + small, b.exp, false);
  if (big >= small) return round_to_float32(a.negative, big - small, b.exp, false);
  return round_to_float32(b.negative, small - big, b.exp, false);
}

Float32 sub(Float32 a, Float32 b) {
  b.negative = !b.negative;
  return add(a, b);
}

Float32 mul(Float32 a, Float32 b) {
  return round_to_float32(a.negative != b.negative, u128(a.mant) * b.mant, a.exp + b.exp, false);
}

Float32 div(Float32 a, Float32 b) {
  // 2^50 * [2^23, 2^24) / [2^23, 2^24) >= 2^49: at least 26 quotient bits.
  constexpr int kExtra = 50;
  bool inexact = false;
  const u128 q = div_shifted(a.mant, kExtra, b.mant, &inexact);
  return round_to_float32(a.negative != b.negative, q, a.exp - b.exp - kExtra, inexact);
}

int64_t ceil_to_int(Float32 a) {
  if (a.is_zero()) return 0;
  if (a.exp >= 0) {
    const int64_t v = int64_t(a.mant) << a.exp;
    return a.negative ? -v : v;
  }
  if (a.exp <= -25) return a.negative ? 0 : 1;  // 0 < |a| < 1
  const int64_t whole = int64_t(a.mant >> -a.exp);
  const bool fraction = (a.mant & ((uint32_t(1) << -a.exp) - 1)) != 0;
  return a.negative ? -whole : whole + (fraction ? 1 : 0);
}

uint64_t to_fixed_floor(Float32 a, int frac_bits) {
  const int shift = a.exp + frac_bits;
  if (shift >= 0) return uint64_t(a.mant) << shift;
  if (shift <= -24) return 0;
  return uint64_t(a.mant >> -shift);
}

i128 to_q120(Float32 a) {
  const int shift = a.exp + kFracBits;
  i128 v = 0;
  if (shift >= 0) {
    v = i128(a.mant) << shift;
  } else if (shift > -24) {
    v = i128(a.mant >> -shift);
  }
  return a.negative ? -v : v;
}

}  // namespace nmc::entropy::fixed
