#include <immintrin.h>

#include "cpu/cpu_gdn_bf16.h"
#include "nmc/kernels/dtype.h"

namespace nmc::cpu {

namespace {

constexpr int64_t kW = 16;  // floats per vector

__mmask16 lanes(int64_t n) { return n >= kW ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1); }

// Output channels [ch0, ch0 + KC) for KV vectors of pixels starting at p.
// `valid` = pixels left from p (the last vector may be partial).
template <int KC, int KV>
inline void tile(const float* x, float* y, int64_t cs, int64_t cp, int64_t ch0, int64_t p, int64_t valid,
                 const float* beta, const uint32_t* gp, bool inverse, const uint32_t* sq) {
  __m512 acc[KC][KV];
  for (int r = 0; r < KC; ++r)
    for (int k = 0; k < KV; ++k) acc[r][k] = _mm512_set1_ps(beta[ch0 + r]);
  for (int64_t jj = 0; jj < cp; ++jj) {
    __m512bh s[KV];
    for (int k = 0; k < KV; ++k)
      s[k] = (__m512bh)_mm512_loadu_si512(sq + jj * kGdnBf16BlockPixels + p + k * kW);
    for (int r = 0; r < KC; ++r) {
      const __m512bh g = (__m512bh)_mm512_set1_epi32(static_cast<int>(gp[(ch0 + r) * cp + jj]));
      for (int k = 0; k < KV; ++k) acc[r][k] = _mm512_dpbf16_ps(acc[r][k], g, s[k]);
    }
  }
  for (int r = 0; r < KC; ++r)
    for (int k = 0; k < KV; ++k) {
      const __mmask16 m = lanes(valid - k * kW);
      const float* xs = x + (ch0 + r) * cs + p + k * kW;
      const __m512 xv = _mm512_maskz_loadu_ps(m, xs);
      const __m512 root = _mm512_sqrt_ps(acc[r][k]);
      _mm512_mask_storeu_ps(y + (ch0 + r) * cs + p + k * kW, m,
                            inverse ? _mm512_mul_ps(xv, root) : _mm512_div_ps(xv, root));
    }
}

template <int KC>
inline void channel_block(const float* x, float* y, int64_t npix, int64_t cs, int64_t cp, int64_t ch0,
                          const float* beta, const uint32_t* gp, bool inverse, const uint32_t* sq) {
  constexpr int KV = 4;
  int64_t p = 0;
  for (; p + KV * kW <= npix; p += KV * kW) tile<KC, KV>(x, y, cs, cp, ch0, p, npix - p, beta, gp, inverse, sq);
  for (; p < npix; p += kW) tile<KC, 1>(x, y, cs, cp, ch0, p, npix - p, beta, gp, inverse, sq);
}

}  // namespace

void gdn_bf16_pack_gamma(const float* gamma, int64_t c, uint32_t* pairs) {
  const int64_t cp = (c + 1) / 2;
  for (int64_t o = 0; o < c; ++o)
    for (int64_t i = 0; i < cp; ++i) {
      const uint32_t lo = f32_to_bf16(gamma[o * c + 2 * i]);
      const uint32_t hi = 2 * i + 1 < c ? f32_to_bf16(gamma[o * c + 2 * i + 1]) : 0u;
      pairs[o * cp + i] = lo | hi << 16;
    }
}

void gdn_bf16_block(const float* x, float* y, int64_t npix, int64_t c, int64_t cs, const float* beta,
                    const uint32_t* gamma_pairs, bool inverse, uint32_t* sq) {
  const int64_t cp = (c + 1) / 2;
  // sq[i][p]: bf16(x_{2i}[p]^2) | bf16(x_{2i+1}[p]^2) << 16, zero past npix up to a whole vector.
  for (int64_t i = 0; i < cp; ++i) {
    const float* a = x + 2 * i * cs;
    const bool has_b = 2 * i + 1 < c;
    for (int64_t p = 0; p < npix; p += kW) {
      const __mmask16 m = lanes(npix - p);
      __m512 va = _mm512_maskz_loadu_ps(m, a + p);
      __m512 vb = has_b ? _mm512_maskz_loadu_ps(m, a + cs + p) : _mm512_setzero_ps();
      va = _mm512_mul_ps(va, va);
      vb = _mm512_mul_ps(vb, vb);
      const __m512i lo = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(va));
      const __m512i hi = _mm512_slli_epi32(_mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(vb)), 16);
      _mm512_storeu_si512(sq + i * kGdnBf16BlockPixels + p, _mm512_or_si512(lo, hi));
    }
  }
  int64_t ch0 = 0;
  for (; ch0 + 4 <= c; ch0 += 4) channel_block<4>(x, y, npix, cs, cp, ch0, beta, gamma_pairs, inverse, sq);
  for (; ch0 < c; ++ch0) channel_block<1>(x, y, npix, cs, cp, ch0, beta, gamma_pairs, inverse, sq);
}

}  // namespace nmc::cpu
