// Machine ceilings for the dense benchmarks: fp32 FMA and bf16 dot-product
// peak (AVX-512 microkernels, enabled per function with target attributes, so
// this header needs no special compile flags) and sustained read bandwidth.
// Call only on CPUs with AVX-512F (fp32) / AVX512-BF16 (bf16).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace nmc::bench {

// 12 independent accumulator chains cover FMA latency x throughput.
// Returns a value derived from the accumulators so nothing is optimised away.
__attribute__((target("avx512f"))) inline float fma_loop(int64_t iters) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i) * 1e-3f);
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  __m512 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, acc[i]);
  return _mm512_reduce_add_ps(s);
}
inline constexpr double kFmaLoopFlops = 12.0 * 16 * 2;  // per iteration

// vdpbf16ps: 16 lanes x 2 bf16 products x 2 flops per instruction.
__attribute__((target("avx512f,avx512bf16"))) inline float dpbf16_loop(int64_t iters) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i) * 1e-3f);
  const __m512bh a = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-3f), _mm512_set1_ps(2e-3f));
  const __m512bh b = _mm512_cvtne2ps_pbh(_mm512_set1_ps(0.5f), _mm512_set1_ps(0.25f));
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
  __m512 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, acc[i]);
  return _mm512_reduce_add_ps(s);
}
inline constexpr double kDpbf16LoopFlops = 12.0 * 16 * 4;

// Sum of n floats with 8 independent 512-bit accumulators (a pure read stream).
__attribute__((target("avx512f"))) inline float read_sum(const float* p, int64_t n) {
  __m512 acc[8];
  for (auto& a : acc) a = _mm512_setzero_ps();
  for (int64_t i = 0; i + 128 <= n; i += 128)
    for (int j = 0; j < 8; ++j) acc[j] = _mm512_add_ps(acc[j], _mm512_load_ps(p + i + 16 * j));
  for (int j = 1; j < 8; ++j) acc[0] = _mm512_add_ps(acc[0], acc[j]);
  return _mm512_reduce_add_ps(acc[0]);
}

// Runs fn(thread_index) on `threads` std::threads and returns wall seconds.
template <class Fn>
double timed_threads(int threads, Fn fn) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) ts.emplace_back([&, t] { fn(t); });
  for (auto& t : ts) t.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Measured fp32 (bf16 = false) or bf16 peak in GFLOP/s with `threads` threads:
// the best of several short runs, so a transient competing process does not
// lower the ceiling.
inline double measure_peak_gflops(int threads, bool bf16) {
  const int64_t iters = 4'000'000;
  volatile float sink = 0;
  auto run = [&](int) { sink = sink + (bf16 ? dpbf16_loop(iters) : fma_loop(iters)); };
  double best = 1e30;
  for (int rep = 0; rep < 7; ++rep) best = std::min(best, timed_threads(threads, run));
  return (bf16 ? kDpbf16LoopFlops : kFmaLoopFlops) * static_cast<double>(iters) * threads / best * 1e-9;
}

// Measured read bandwidth in GB/s over a 512 MiB buffer (far above the L3), best of 5.
inline double measure_read_gbps(int threads) {
  const int64_t n = int64_t{128} << 20;  // floats
  auto* buf = static_cast<float*>(std::aligned_alloc(64, static_cast<size_t>(n) * 4));
  std::memset(buf, 1, static_cast<size_t>(n) * 4);
  volatile float sink = 0;
  const int64_t per = n / threads / 128 * 128;
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep)
    best = std::min(best, timed_threads(threads, [&](int t) { sink = sink + read_sum(buf + t * per, per); }));
  std::free(buf);
  return static_cast<double>(per * threads) * 4 / best * 1e-9;
}

}  // namespace nmc::bench
