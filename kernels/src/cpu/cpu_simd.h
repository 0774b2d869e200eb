// Thin wrappers over AVX-512 (V512, 16 floats) and AVX2 (V256, 8 floats)
// intrinsics with one shared interface, so kernels are written once as
// templates over V. Only ISA translation units (*_avx512.cpp, *_avx2.cpp)
// include this header; each wrapper exists only when the TU is compiled for
// its ISA. Everything here has internal linkage so ISA-specific code is never
// merged into a baseline caller by the linker.
#pragma once

// (GCC 12's warnings about _mm*_undefined_* inside its intrinsic headers are
// silenced for ISA files in kernels/src/cpu/CMakeLists.txt.)
#include <immintrin.h>

#include <cstdint>

namespace nmc::cpu {
namespace {

#if defined(__AVX512F__) && defined(__AVX512DQ__)
struct V512 {
  using F = __m512;
  using M = __mmask16;
  static constexpr int W = 16;

  static F zero() { return _mm512_setzero_ps(); }
  static F set1(float v) { return _mm512_set1_ps(v); }
  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static M first(int64_t n) { return static_cast<M>(n >= W ? 0xffffu : ((1u << n) - 1u)); }
  // Loads n < W floats (the rest zero); stores n floats.
  static F load_n(const float* p, int64_t n) { return _mm512_maskz_loadu_ps(first(n), p); }
  static void store_n(float* p, F v, int64_t n) { _mm512_mask_storeu_ps(p, first(n), v); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }    // a*b + c
  static F fnma(F a, F b, F c) { return _mm512_fnmadd_ps(a, b, c); }  // c - a*b
  static F max(F a, F b) { return _mm512_max_ps(a, b); }
  static F min(F a, F b) { return _mm512_min_ps(a, b); }
  static F sqrt(F a) { return _mm512_sqrt_ps(a); }
  static F abs(F a) { return _mm512_abs_ps(a); }
  static F round(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static F copysign(F mag, F sgn) {
    const __m512i m = _mm512_set1_epi32(0x7fffffff);
    return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(m, _mm512_castps_si512(mag), _mm512_castps_si512(sgn), 0xca));  // m ? mag : sgn, bitwise
  }
  static M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M le(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
  static M gt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static M ge(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
  static M eq(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static M mand(M a, M b) { return static_cast<M>(a & b); }
  static F select(M m, F a, F b) { return _mm512_mask_blend_ps(m, b, a); }  // m ? a : b
  // 2^n for integer-valued n in [-126, 127].
  static F pow2i(F n) {
    const __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
  }
  // v with its sign flipped where the integer-valued k is odd.
  static F flip_if_odd(F k, F v) {
    const __m512i s = _mm512_slli_epi32(_mm512_cvtps_epi32(k), 31);
    return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(v), s));
  }
  // Horizontal sum / max (not _mm512_reduce_*: GCC 12 warns inside them).
  static __m256 hi_half(F a) { return _mm512_castps512_ps256(_mm512_shuffle_f32x4(a, a, 0xee)); }
  static float hsum(F a) {
    const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(a), hi_half(a));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
  }
  static float hmax(F a) {
    const __m256 h = _mm256_max_ps(_mm512_castps512_ps256(a), hi_half(a));
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_max_ss(s, _mm_movehdup_ps(s)));
  }
  static F swap_pairs(F a) { return _mm512_permute_ps(a, 0xb1); }  // lanes (0,1)(2,3)... swapped
  static F iota() { return _mm512_set_ps(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0); }
};
#endif

#if defined(__AVX2__) && defined(__FMA__)
struct V256 {
  using F = __m256;
  using M = __m256;
  static constexpr int W = 8;

  static F zero() { return _mm256_setzero_ps(); }
  static F set1(float v) { return _mm256_set1_ps(v); }
  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static __m256i first_i(int64_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static M first(int64_t n) { return _mm256_castsi256_ps(first_i(n)); }
  static F load_n(const float* p, int64_t n) { return _mm256_maskload_ps(p, first_i(n)); }
  static void store_n(float* p, F v, int64_t n) { _mm256_maskstore_ps(p, first_i(n), v); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F fnma(F a, F b, F c) { return _mm256_fnmadd_ps(a, b, c); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F min(F a, F b) { return _mm256_min_ps(a, b); }
  static F sqrt(F a) { return _mm256_sqrt_ps(a); }
  static F abs(F a) { return _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff))); }
  static F round(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static F copysign(F mag, F sgn) {
    const F sign_bit = _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(0x80000000u)));
    return _mm256_or_ps(_mm256_andnot_ps(sign_bit, mag), _mm256_and_ps(sign_bit, sgn));
  }
  static M lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M le(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
  static M gt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static M ge(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
  static M eq(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static M mand(M a, M b) { return _mm256_and_ps(a, b); }
  static F select(M m, F a, F b) { return _mm256_blendv_ps(b, a, m); }
  static F pow2i(F n) {
    const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  }
  static F flip_if_odd(F k, F v) {
    const __m256i s = _mm256_slli_epi32(_mm256_cvtps_epi32(k), 31);
    return _mm256_castsi256_ps(_mm256_xor_si256(_mm256_castps_si256(v), s));
  }
  static float hsum(F a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static float hmax(F a) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static F swap_pairs(F a) { return _mm256_permute_ps(a, 0xb1); }
  static F iota() { return _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7); }
};
#endif

}  // namespace
}  // namespace nmc::cpu
