// AVX2/FMA/F16C matrix-vector rows (see cpu_dense_gemv.h).
#include <immintrin.h>

#include <type_traits>

#include "cpu_dense_gemv.h"

namespace nmc::cpu {

namespace {

template <DType T>
inline __m256 load8(const void* base, int64_t i) {
  if constexpr (T == DType::kF32) {
    return _mm256_loadu_ps(static_cast<const float*>(base) + i);
  } else {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(base) + i));
    if constexpr (T == DType::kBF16) {
      return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    } else {
      return _mm256_cvtph_ps(h);
    }
  }
}

template <DType T>
inline float load1(const void* base, int64_t i) {
  if constexpr (T == DType::kF32) return static_cast<const float*>(base)[i];
  else if constexpr (T == DType::kBF16) return bf16_to_f32(static_cast<const uint16_t*>(base)[i]);
  else return f16_to_f32(static_cast<const uint16_t*>(base)[i]);
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

template <DType T>
void rows(const GemvArgs& a, int64_t n0, int64_t n1) {
  using E = std::conditional_t<T == DType::kF32, float, uint16_t>;
  const int64_t k = a.k, k8 = k / 8 * 8;
  int64_t n = n0;
  auto finish = [&](int64_t row, __m256 acc, const void* w) {
    float v = hsum(acc);
    for (int64_t i = k8; i < k; ++i) v += load1<T>(w, i) * a.x[i];
    v *= a.alpha;
    if (a.bias) v += a.bias[row];
    a.y[row] = v;
  };
  for (; n + 4 <= n1; n += 4) {
    const E* w0 = static_cast<const E*>(a.w) + n * a.ldw;
    const E* w1 = w0 + a.ldw;
    const E* w2 = w1 + a.ldw;
    const E* w3 = w2 + a.ldw;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t i = 0; i < k8; i += 8) {
      const __m256 x0 = _mm256_loadu_ps(a.x + i);
      a0 = _mm256_fmadd_ps(load8<T>(w0, i), x0, a0);
      a1 = _mm256_fmadd_ps(load8<T>(w1, i), x0, a1);
      a2 = _mm256_fmadd_ps(load8<T>(w2, i), x0, a2);
      a3 = _mm256_fmadd_ps(load8<T>(w3, i), x0, a3);
    }
    finish(n, a0, w0);
    finish(n + 1, a1, w1);
    finish(n + 2, a2, w2);
    finish(n + 3, a3, w3);
  }
  for (; n < n1; ++n) {
    const E* w0 = static_cast<const E*>(a.w) + n * a.ldw;
    __m256 a0 = _mm256_setzero_ps();
    for (int64_t i = 0; i < k8; i += 8) a0 = _mm256_fmadd_ps(load8<T>(w0, i), _mm256_loadu_ps(a.x + i), a0);
    finish(n, a0, w0);
  }
}

}  // namespace

void gemv_rows_avx2(const GemvArgs& a, int64_t n0, int64_t n1) {
  switch (a.wtype) {
    case DType::kF32: return rows<DType::kF32>(a, n0, n1);
    case DType::kBF16: return rows<DType::kBF16>(a, n0, n1);
    case DType::kF16: return rows<DType::kF16>(a, n0, n1);
    default: return;
  }
}

}  // namespace nmc::cpu
