// AVX-512 matrix-vector rows (see cpu_dense_gemv.h) and f32 -> bf16 conversion.
#include <immintrin.h>

#include <type_traits>

#include "cpu_dense_gemv.h"

namespace nmc::cpu {

namespace {

// 16 weights starting at p, widened to f32; `m` masks a tail.
template <DType T>
inline __m512 load16(const void* base, int64_t i, __mmask16 m) {
  if constexpr (T == DType::kF32) {
    return _mm512_maskz_loadu_ps(m, static_cast<const float*>(base) + i);
  } else {
    const __m256i h = _mm256_maskz_loadu_epi16(m, static_cast<const uint16_t*>(base) + i);
    if constexpr (T == DType::kBF16) {
      return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    } else {
      return _mm512_cvtph_ps(h);
    }
  }
}

template <DType T>
inline const void* row_ptr(const void* w, int64_t row, int64_t ldw) {
  using E = std::conditional_t<T == DType::kF32, float, uint16_t>;
  return static_cast<const E*>(w) + row * ldw;
}

// How many rows ahead of the current block of four the kernels prefetch, into
// L2 (_MM_HINT_T1): two blocks ahead keeps enough lines in flight to run at
// DRAM bandwidth, and the L2 has more outstanding-miss slots than the L1
// (bf16 weights: 57% -> ~95% of measured read bandwidth).
constexpr int64_t kAheadRows = 8;

template <DType T>
constexpr int64_t sizeof_elem() { return T == DType::kF32 ? 4 : 2; }

// Four rows at a time share each x load; two accumulators per row hide FMA latency.
template <DType T>
void rows(const GemvArgs& a, int64_t n0, int64_t n1) {
  const int64_t k = a.k;
  const int64_t k32 = k / 32 * 32;
  const __mmask16 full = 0xffff;
  int64_t n = n0;
  auto finish = [&](int64_t row, __m512 acc) {
    float v = a.alpha * _mm512_reduce_add_ps(acc);
    if (a.bias) v += a.bias[row];
    a.y[row] = v;
  };
  for (; n + 4 <= n1; n += 4) {
    const void* w0 = row_ptr<T>(a.w, n, a.ldw);
    const void* w1 = row_ptr<T>(a.w, n + 1, a.ldw);
    const void* w2 = row_ptr<T>(a.w, n + 2, a.ldw);
    const void* w3 = row_ptr<T>(a.w, n + 3, a.ldw);
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    int64_t i = 0;
    // Rows kAheadRows further on are prefetched one 64-byte line per row and
    // step, keeping enough DRAM reads in flight (the hardware prefetcher ramps
    // up too slowly on rows of a few KiB read four at a time).
    const bool prefetch = n + kAheadRows + 4 <= n1;
    for (; i < k32; i += 32) {
      if (prefetch) {
        constexpr int kLines = T == DType::kF32 ? 2 : 1;  // 64-byte lines per row per step
        for (int j = 0; j < 4; ++j)
          for (int l = 0; l < kLines; ++l)
            _mm_prefetch(static_cast<const char*>(row_ptr<T>(a.w, n + kAheadRows + j, a.ldw)) +
                             i * sizeof_elem<T>() + 64 * l,
                         _MM_HINT_T1);
      }
      const __m512 x0 = _mm512_loadu_ps(a.x + i), x1 = _mm512_loadu_ps(a.x + i + 16);
      a0 = _mm512_fmadd_ps(load16<T>(w0, i, full), x0, a0);
      a1 = _mm512_fmadd_ps(load16<T>(w1, i, full), x0, a1);
      a2 = _mm512_fmadd_ps(load16<T>(w2, i, full), x0, a2);
      a3 = _mm512_fmadd_ps(load16<T>(w3, i, full), x0, a3);
      b0 = _mm512_fmadd_ps(load16<T>(w0, i + 16, full), x1, b0);
      b1 = _mm512_fmadd_ps(load16<T>(w1, i + 16, full), x1, b1);
      b2 = _mm512_fmadd_ps(load16<T>(w2, i + 16, full), x1, b2);
      b3 = _mm512_fmadd_ps(load16<T>(w3, i + 16, full), x1, b3);
    }
    for (; i < k; i += 16) {
      const __mmask16 m = k - i >= 16 ? full : static_cast<__mmask16>((1u << (k - i)) - 1u);
      const __m512 x0 = _mm512_maskz_loadu_ps(m, a.x + i);
      a0 = _mm512_fmadd_ps(load16<T>(w0, i, m), x0, a0);
      a1 = _mm512_fmadd_ps(load16<T>(w1, i, m), x0, a1);
      a2 = _mm512_fmadd_ps(load16<T>(w2, i, m), x0, a2);
      a3 = _mm512_fmadd_ps(load16<T>(w3, i, m), x0, a3);
    }
    finish(n, _mm512_add_ps(a0, b0));
    finish(n + 1, _mm512_add_ps(a1, b1));
    finish(n + 2, _mm512_add_ps(a2, b2));
    finish(n + 3, _mm512_add_ps(a3, b3));
  }
  for (; n < n1; ++n) {
    const void* w0 = row_ptr<T>(a.w, n, a.ldw);
    __m512 a0 = _mm512_setzero_ps();
    for (int64_t i = 0; i < k; i += 16) {
      const __mmask16 m = k - i >= 16 ? full : static_cast<__mmask16>((1u << (k - i)) - 1u);
      a0 = _mm512_fmadd_ps(load16<T>(w0, i, m), _mm512_maskz_loadu_ps(m, a.x + i), a0);
    }
    finish(n, a0);
  }
}

// bf16 rows: a 512-bit load holds 16 pairs; the even elements widen by a
// 16-bit left shift, the odd ones by masking the low half, and each multiplies
// the matching half of x (x_even / x_odd). Exact, like the generic path.
void rows_bf16_pairs(const GemvArgs& a, int64_t n0, int64_t n1) {
  const int64_t k = a.k, k32 = k / 32 * 32;
  const __m512i hi_mask = _mm512_set1_epi32(static_cast<int>(0xffff0000u));
  const auto* w = static_cast<const uint16_t*>(a.w);
  auto tail = [&](const uint16_t* row, __m512 acc) {
    for (int64_t i = k32; i < k; i += 16) {
      const __mmask16 m = k - i >= 16 ? 0xffff : static_cast<__mmask16>((1u << (k - i)) - 1u);
      acc = _mm512_fmadd_ps(load16<DType::kBF16>(row, i, m), _mm512_maskz_loadu_ps(m, a.x + i), acc);
    }
    return acc;
  };
  auto finish = [&](int64_t row, __m512 acc) {
    float v = a.alpha * _mm512_reduce_add_ps(acc);
    if (a.bias) v += a.bias[row];
    a.y[row] = v;
  };
  int64_t n = n0;
  for (; n + 4 <= n1; n += 4) {
    const uint16_t* r[4] = {w + n * a.ldw, w + (n + 1) * a.ldw, w + (n + 2) * a.ldw, w + (n + 3) * a.ldw};
    __m512 ae[4], ao[4];
    for (int j = 0; j < 4; ++j) ae[j] = ao[j] = _mm512_setzero_ps();
    const bool prefetch = n + kAheadRows + 4 <= n1;
    for (int64_t i = 0; i < k32; i += 32) {
      if (prefetch)
        for (int j = 0; j < 4; ++j)
          _mm_prefetch(reinterpret_cast<const char*>(r[j] + kAheadRows * a.ldw + i), _MM_HINT_T1);
      const __m512 xe = _mm512_loadu_ps(a.x_even + i / 2), xo = _mm512_loadu_ps(a.x_odd + i / 2);
      for (int j = 0; j < 4; ++j) {
        const __m512i v = _mm512_loadu_si512(r[j] + i);
        ae[j] = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_slli_epi32(v, 16)), xe, ae[j]);
        ao[j] = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_and_si512(v, hi_mask)), xo, ao[j]);
      }
    }
    for (int j = 0; j < 4; ++j) finish(n + j, tail(r[j], _mm512_add_ps(ae[j], ao[j])));
  }
  for (; n < n1; ++n) {
    const uint16_t* r = w + n * a.ldw;
    __m512 ae = _mm512_setzero_ps(), ao = ae;
    for (int64_t i = 0; i < k32; i += 32) {
      const __m512i v = _mm512_loadu_si512(r + i);
      ae = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_slli_epi32(v, 16)), _mm512_loadu_ps(a.x_even + i / 2), ae);
      ao = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_and_si512(v, hi_mask)), _mm512_loadu_ps(a.x_odd + i / 2), ao);
    }
    finish(n, tail(r, _mm512_add_ps(ae, ao)));
  }
}

}  // namespace

void gemv_rows_avx512(const GemvArgs& a, int64_t n0, int64_t n1) {
  switch (a.wtype) {
    case DType::kF32: return rows<DType::kF32>(a, n0, n1);
    case DType::kBF16:
      return a.x_even && a.x_odd ? rows_bf16_pairs(a, n0, n1) : rows<DType::kBF16>(a, n0, n1);
    case DType::kF16: return rows<DType::kF16>(a, n0, n1);
    default: return;
  }
}

void convert_f32_to_bf16_avx512bf16(const float* src, uint16_t* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256bh v = _mm512_cvtneps_pbh(_mm512_loadu_ps(src + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), reinterpret_cast<const __m256i&>(v));
  }
  if (i < n) {
    const auto m = static_cast<__mmask16>((1u << (n - i)) - 1u);
    const __m256bh v = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, src + i));
    _mm256_mask_storeu_epi16(dst + i, m, reinterpret_cast<const __m256i&>(v));
  }
}

}  // namespace nmc::cpu
